"""The rules of a pipeline, checked on the intermediate model after the meta-schema.

Each rule appends problems; none stops the others, so one run reports everything.
"""

from __future__ import annotations

import keyword
import posixpath
import re
from collections.abc import Callable, Iterator
from typing import Any

from stepgen_runtime.rules import prompt_findings

from stepgen.errors import Problem
from stepgen.ir import Pipeline, Stage
from stepgen.manifest.schema_rules import check_node, ref_cycle
from stepgen.manifest.source import Document, escape_token
from stepgen.schemas import ref_target, walk_schema

SURROGATE = re.compile("[\ud800-\udfff]")
IDENTIFIER = re.compile(r"^[A-Z][A-Z0-9_]*$")
RESERVED_DEFS = frozenset(
    {
        "JobStage",
        "ArtifactType",
        "JobStatus",
        "ApprovalStatus",
        "StepType",
        "StepgenInputFields",
    }
)

Report = Callable[[str, str, str], None]


def check_rules(
    pipeline: Pipeline, document: Document, *, prompts_only: bool = False
) -> list[Problem]:
    """Return every pipeline rule the manifest breaks.

    With ``prompts_only``, for a manifest text known to keep every other rule, only
    the prompts are checked: they are the part that lives in other files.
    """
    if prompts_only:
        return [
            problem
            for stage in pipeline.stages
            for problem in _check_prompt(pipeline, stage, document)
        ]
    problems: list[Problem] = []

    def report(pointer: str, code: str, message: str) -> None:
        problems.append(document.problem(pointer, code, message))

    _check_identifiers(pipeline, report)
    _check_defs(pipeline, report)
    for pointer, schema in _all_schemas(pipeline):
        for node_pointer, node in walk_schema(schema, pointer):
            check_node(pipeline, node, node_pointer, report)
    for stage in pipeline.stages:
        target = ref_target(stage.output_schema)
        resolvable = target is None or target in pipeline.defs
        if resolvable and _object_def(pipeline, stage.output_schema) is None:
            message = "an output schema must be an object schema or a $ref to one"
            report(f"{stage.pointer}/output/schema", "output-not-object", message)
        _check_sources(pipeline, stage, report)
        _check_input(pipeline, stage, report)
        _check_config(pipeline, stage, report)
        _check_execution(stage, report)
        problems.extend(_check_prompt(pipeline, stage, document))
    _check_text(document.data, "", report)
    return problems


def _all_schemas(pipeline: Pipeline) -> Iterator[tuple[str, Any]]:
    for name, schema in pipeline.defs.items():
        yield f"/$defs/{name}", schema
    for name, job_input in pipeline.job_inputs.items():
        yield f"/jobInputs/{escape_token(name)}/schema", job_input.schema
    for stage in pipeline.stages:
        yield f"{stage.pointer}/input/schema", stage.input_schema
        yield f"{stage.pointer}/output/schema", stage.output_schema


def _check_identifiers(pipeline: Pipeline, report: Report) -> None:
    seen: dict[str, int] = {}
    names = _DerivedNames()
    for stage in pipeline.stages:
        where = f"{stage.pointer}/stage"
        if not IDENTIFIER.match(stage.stage):
            report(
                where,
                "bad-identifier",
                f"stage {stage.stage!r} must match {IDENTIFIER.pattern}",
            )
        if stage.stage in seen:
            first = seen[stage.stage]
            report(
                where,
                "duplicate-stage",
                f"stage {stage.stage!r} is already stage {first}",
            )
        elif IDENTIFIER.match(stage.stage):
            _check_derived_names(pipeline, stage, names, report)
        seen.setdefault(stage.stage, stage.index)
        names.add(stage)
    for name, values in pipeline.enums.items():
        if name == "JobStage":
            continue
        for index, value in enumerate(values):
            if not IDENTIFIER.match(value):
                message = f"enum value {value!r} must match {IDENTIFIER.pattern}"
                report(f"/enums/{name}/{index}", "bad-identifier", message)
    if "ArtifactType" in pipeline.enums:
        for stage in pipeline.stages:
            if stage.output_type not in pipeline.enums["ArtifactType"]:
                message = (
                    f"artifact type {stage.output_type!r} is not an ArtifactType value"
                )
                report(f"{stage.pointer}/output/type", "unknown-artifact-type", message)


class _DerivedNames:
    """The generated names of the stages seen so far, to find clashes in one pass."""

    def __init__(self) -> None:
        self._owners: dict[tuple[str, str], list[Stage]] = {}

    def add(self, stage: Stage) -> None:
        """Record the generated names of ``stage``."""
        for key in self._keys(stage):
            self._owners.setdefault(key, []).append(stage)

    def clashes(self, stage: Stage) -> list[Stage]:
        """Earlier stages, by another name, whose generated names ``stage`` shares."""
        found = {
            other.index: other
            for key in self._keys(stage)
            for other in self._owners.get(key, ())
            if other.stage != stage.stage
        }
        return [found[index] for index in sorted(found)]

    @staticmethod
    def _keys(stage: Stage) -> tuple[tuple[str, str], ...]:
        return (("model", stage.input_model), ("field", stage.field_name))


def _check_derived_names(
    pipeline: Pipeline, stage: Stage, names: _DerivedNames, report: Report
) -> None:
    where = f"{stage.pointer}/stage"
    if keyword.iskeyword(stage.module_name) or keyword.issoftkeyword(stage.module_name):
        message = (
            f"stage {stage.stage!r} would be the Python module {stage.module_name!r}, "
            "a keyword"
        )
        report(where, "bad-identifier", message)
    for other in names.clashes(stage):
        message = (
            f"stage {stage.stage!r} and stage {other.stage!r} would share the "
            f"generated names {stage.input_model!r} and {stage.field_name!r}"
        )
        report(where, "name-collision", message)
    if stage.field_name in pipeline.job_inputs:
        message = (
            f"stage {stage.stage!r} feeds the input field {stage.field_name!r}, "
            "which is also the name of a job input"
        )
        report(where, "name-collision", message)


def _check_defs(pipeline: Pipeline, report: Report) -> None:
    for name in pipeline.defs:
        if name in RESERVED_DEFS or name in pipeline.enums:
            message = f"$defs entry {name!r} is reserved: the generator defines it"
            report(f"/$defs/{name}", "reserved-def", message)
    inline_names = {}
    for stage in pipeline.stages:
        inline_names[stage.input_model] = f"{stage.pointer}/input/schema"
        if ref_target(stage.output_schema) is None:
            inline_names[stage.output_model] = f"{stage.pointer}/output/schema"
    for name, pointer in inline_names.items():
        if name in pipeline.defs:
            message = f"the generated model {name!r} would collide with the $defs entry {name!r}"
            report(pointer, "name-collision", message)
    for name in pipeline.defs:
        cycle = ref_cycle(pipeline.defs, name)
        if cycle:
            message = "recursive schemas are not supported: " + " → ".join(cycle)
            report(f"/$defs/{name}", "recursive-ref", message)


def _object_def(pipeline: Pipeline, schema: Any) -> Any:
    if isinstance(schema, dict) and set(schema) == {"$ref"}:
        schema = pipeline.defs.get(str(schema["$ref"])[len("#/$defs/") :])
    if isinstance(schema, dict) and schema.get("type") == "object":
        return schema
    return None


def _check_sources(pipeline: Pipeline, stage: Stage, report: Report) -> None:
    order = {other.stage: other.index for other in pipeline.stages}
    for index, source in enumerate(stage.sources):
        where = f"{stage.pointer}/input/sources/{index}"
        if source not in order:
            report(
                where,
                "unknown-source",
                f"source {source!r} is not a stage of this pipeline",
            )
        elif source == stage.stage:
            report(where, "source-cycle", f"stage {stage.stage!r} reads its own output")
        elif order[source] > stage.index:
            message = (
                f"stage {stage.stage!r} reads {source!r}, which runs after it; "
                "sources must come earlier in the stage order"
            )
            report(where, "source-order", message)
    for index, name in enumerate(stage.job_inputs):
        if name not in pipeline.job_inputs:
            known = ", ".join(sorted(pipeline.job_inputs)) or "none"
            message = (
                f"job input {name!r} is not declared in jobInputs (declared: {known})"
            )
            report(f"{stage.pointer}/input/job/{index}", "unknown-job-input", message)


def _check_input(pipeline: Pipeline, stage: Stage, report: Report) -> None:
    where = f"{stage.pointer}/input/schema"
    schema = stage.input_schema
    if not isinstance(schema, dict) or schema.get("type") != "object":
        report(where, "input-not-object", "an input schema must be an object schema")
        return
    feeds: dict[str, tuple[Any, str]] = {}
    names = {other.stage: other for other in pipeline.stages}
    for source in stage.sources:
        if source in names:
            reader = names[source]
            feeds[reader.field_name] = (reader.output_schema, f"the output of {source}")
    for name in stage.job_inputs:
        if name in pipeline.job_inputs:
            feeds[name] = (pipeline.job_inputs[name].schema, f"the job input {name!r}")
    properties = schema.get("properties", {})
    for name, value in properties.items():
        child = f"{where}/properties/{escape_token(name)}"
        if name not in feeds:
            fed = ", ".join(sorted(feeds)) or "nothing"
            message = (
                f"input field {name!r} is fed by no source or job input (fed: {fed})"
            )
            report(child, "unfed-input", message)
        elif value != feeds[name][0]:
            message = f"input field {name!r} must have the schema of {feeds[name][1]}"
            report(child, "input-mismatch", message)
    for name, (_, origin) in feeds.items():
        if name not in properties:
            message = f"{origin} is read but the input schema has no field {name!r}"
            report(where, "undeclared-input", message)


def _check_config(pipeline: Pipeline, stage: Stage, report: Report) -> None:
    where = f"{stage.pointer}/config"
    if stage.is_ai and stage.model is None:
        report(where, "ai-config", f"AI stage {stage.stage!r} needs a model")
    if stage.is_ai and stage.prompt is None and stage.prompt_file is None:
        report(where, "ai-config", f"AI stage {stage.stage!r} needs a prompt")
    if stage.model is not None and stage.model not in pipeline.models:
        message = f"model {stage.model!r} is not supported; supported: {', '.join(pipeline.models)}"
        report(f"{where}/model", "unsupported-model", message)


def _check_prompt(
    pipeline: Pipeline, stage: Stage, document: Document
) -> list[Problem]:
    if stage.prompt is None:
        return []
    pointer = f"{stage.pointer}/config/prompt"
    if stage.prompt_file is None:
        return [
            document.problem(pointer, code, message)
            for code, message, _ in prompt_problems(pipeline, stage, stage.prompt)
            if code != "nul-character"  # reported with the manifest's other text
        ]
    shown = posixpath.normpath(
        posixpath.join(posixpath.dirname(document.display), stage.prompt_file)
    )
    problems = []
    for code, message, offset in prompt_problems(pipeline, stage, stage.prompt):
        text = stage.prompt[:offset]
        line = text.count("\n") + 1
        column = len(text) - (text.rfind("\n") + 1) + 1
        problems.append(Problem(shown, line, column, f"{pointer}/file", code, message))
    return problems


def prompt_problems(
    pipeline: Pipeline, stage: Stage, prompt: str
) -> list[tuple[str, str, int]]:
    """Return (code, message, offset) for each prompt rule ``prompt`` breaks."""
    findings = prompt_findings(prompt, pipeline.variables(stage), ai=stage.is_ai)
    return [(item.code, item.message, item.offset) for item in findings]


def _check_execution(stage: Stage, report: Report) -> None:
    retry = stage.retry
    if retry is not None and retry.backoff_ms > retry.max_backoff_ms:
        message = f"backoffMs {retry.backoff_ms} is greater than maxBackoffMs {retry.max_backoff_ms}"
        report(
            f"{stage.pointer}/execution/retryPolicy/backoffMs", "retry-backoff", message
        )


def _check_text(value: Any, pointer: str, report: Report) -> None:
    if isinstance(value, str):
        if "\x00" in value:
            report(pointer, "nul-character", "text must not contain the NUL character")
        if SURROGATE.search(value):
            message = "text must not contain an unpaired surrogate (\\ud800–\\udfff)"
            report(pointer, "unpaired-surrogate", message)
    elif isinstance(value, dict):
        for key, child in value.items():
            if "\x00" in key:
                report(
                    pointer, "nul-character", "a key must not contain the NUL character"
                )
            _check_text(child, f"{pointer}/{escape_token(key)}", report)
    elif isinstance(value, list):
        for index, child in enumerate(value):
            _check_text(child, f"{pointer}/{index}", report)
