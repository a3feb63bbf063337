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
from stepgen.manifest.patterns import portability_problem
from stepgen.manifest.source import Document, escape_token
from stepgen.schemas import ref_target, walk_schema

SURROGATE = re.compile("[\ud800-\udfff]")
IDENTIFIER = re.compile(r"^[A-Z][A-Z0-9_]*$")
FIELD_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
RESERVED_DEFS = frozenset(
    {"JobStage", "ArtifactType", "JobStatus", "ApprovalStatus", "StepType"}
)
TYPE_KEYWORDS = {
    "string": frozenset({"minLength", "maxLength", "pattern"}),
    "number": frozenset(
        {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"}
    ),
    "array": frozenset({"items", "minItems", "maxItems"}),
    "object": frozenset({"properties", "required", "additionalProperties"}),
}
JS_RESERVED = frozenset(
    {
        "constructor",
        "prototype",
        "toString",
        "toLocaleString",
        "valueOf",
        "hasOwnProperty",
        "isPrototypeOf",
        "propertyIsEnumerable",
    }
)
ALL_TYPE_KEYWORDS = frozenset().union(*TYPE_KEYWORDS.values())
ANNOTATIONS = frozenset({"title", "description", "default", "examples"})
# Keywords that cannot be split across per-type branches of an untyped schema.
BRANCH_BREAKERS = frozenset({"enum", "const", "anyOf", "$ref", "format"})
STRING_CONSTRAINTS = frozenset({"minLength", "maxLength", "pattern", "enum", "const"})
_BOUNDS = (
    ("minLength", "maxLength"),
    ("minItems", "maxItems"),
    ("minimum", "maximum"),
)

Report = Callable[[str, str, str], None]


def check_rules(pipeline: Pipeline, document: Document) -> list[Problem]:
    """Return every pipeline rule the manifest breaks."""
    problems: list[Problem] = []

    def report(pointer: str, code: str, message: str) -> None:
        problems.append(document.problem(pointer, code, message))

    _check_identifiers(pipeline, report)
    _check_defs(pipeline, report)
    for pointer, schema in _all_schemas(pipeline):
        for node_pointer, node in walk_schema(schema, pointer):
            _check_node(pipeline, node, node_pointer, report)
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
            _check_derived_names(pipeline, stage, report)
        seen.setdefault(stage.stage, stage.index)
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


def _check_derived_names(pipeline: Pipeline, stage: Stage, report: Report) -> None:
    where = f"{stage.pointer}/stage"
    if keyword.iskeyword(stage.module_name) or keyword.issoftkeyword(stage.module_name):
        message = (
            f"stage {stage.stage!r} would be the Python module {stage.module_name!r}, "
            "a keyword"
        )
        report(where, "bad-identifier", message)
    for other in pipeline.stages[: stage.index]:
        if other.stage == stage.stage:
            continue
        if (
            other.input_model == stage.input_model
            or other.field_name == stage.field_name
        ):
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
        cycle = _ref_cycle(pipeline.defs, name)
        if cycle:
            message = "recursive schemas are not supported: " + " → ".join(cycle)
            report(f"/$defs/{name}", "recursive-ref", message)


def _ref_cycle(defs: dict[str, Any], start: str) -> list[str] | None:
    def refs_of(schema: Any) -> set[str]:
        found = set()
        for _, node in walk_schema(schema, ""):
            ref = node.get("$ref") if isinstance(node, dict) else None
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                found.add(ref[len("#/$defs/") :])
        return found

    stack: list[tuple[str, list[str]]] = [(start, [start])]
    visited: set[str] = set()
    while stack:
        name, path = stack.pop()
        for target in sorted(refs_of(defs.get(name))):
            if target == start:
                return [*path, target]
            if target in defs and target not in visited:
                visited.add(target)
                stack.append((target, [*path, target]))
    return None


def _check_node(pipeline: Pipeline, node: Any, pointer: str, report: Report) -> None:
    if node is False and not pointer.endswith("/additionalProperties"):
        message = "the schema false is supported only as additionalProperties"
        report(pointer, "inexact-schema", message)
    if not isinstance(node, dict):
        return
    ref = node.get("$ref")
    if isinstance(ref, str):
        target = ref[len("#/$defs/") :]
        if target not in pipeline.defs and target not in pipeline.enums:
            message = f"$ref {ref!r} does not resolve: no $defs entry {target!r}"
            report(f"{pointer}/$ref", "unresolved-ref", message)
    for name in node.get("properties", {}):
        problem = field_name_problem(name)
        if problem:
            report(
                f"{pointer}/properties/{escape_token(name)}", "bad-field-name", problem
            )
    for index, name in enumerate(node.get("required", ())):
        if name not in node.get("properties", {}):
            message = f"{name!r} is required but not declared in properties"
            report(f"{pointer}/required/{index}", "undeclared-required", message)
    for low, high in _BOUNDS:
        if low in node and high in node and node[low] > node[high]:
            message = f"{low} {node[low]} is greater than {high} {node[high]}"
            report(f"{pointer}/{low}", "unsatisfiable", message)
    problem = exactness_problem(node)
    if problem:
        report(pointer, "inexact-schema", problem)
    if "format" in node:
        problem = format_problem(node)
        if problem:
            report(f"{pointer}/format", "format-combination", problem)
    if isinstance(node.get("pattern"), str):
        problem = portability_problem(node["pattern"])
        if problem:
            report(f"{pointer}/pattern", "unportable-pattern", problem)
    if "default" in node:
        problem = default_problem(pipeline, node)
        if problem:
            report(f"{pointer}/default", "invalid-default", problem)


def field_name_problem(name: str) -> str | None:
    """Say why ``name`` cannot be a field in both Python and TypeScript, if it cannot."""
    if not FIELD_NAME.match(name):
        return (
            f"field name {name!r} must start with a letter and hold only letters, "
            "digits and underscores, so that Python and TypeScript can both use it"
        )
    if name in JS_RESERVED:
        return f"field name {name!r} is a property of every JavaScript object"
    if name.startswith("model_"):
        return f"field name {name!r} uses the prefix 'model_', which pydantic reserves"
    return None


def exactness_problem(node: dict[str, Any]) -> str | None:
    """Say why ``node`` would not get the same verdict from every emitter, if so."""
    typed = set(node) & ALL_TYPE_KEYWORDS
    kinds = node.get("type")
    declared = [kinds] if isinstance(kinds, str) else list(kinds or [])
    single = len([kind for kind in declared if kind != "null"]) == 1
    if typed and not single and set(node) & BRANCH_BREAKERS:
        mixed = ", ".join(sorted(set(node) & BRANCH_BREAKERS))
        return (
            f"{', '.join(sorted(typed))} cannot be combined with {mixed} unless the "
            'schema has one "type" (with or without "null")'
        )
    if "$ref" in node and set(node) - ANNOTATIONS - {"$ref"}:
        others = ", ".join(sorted(set(node) - ANNOTATIONS - {"$ref"}))
        return f"$ref cannot be combined with {others}; only annotations may stand beside it"
    if "anyOf" in node and set(node) - ANNOTATIONS - {"anyOf"}:
        others = ", ".join(sorted(set(node) - ANNOTATIONS - {"anyOf"}))
        return f"anyOf cannot be combined with {others}; move them into each branch"
    values = list(node.get("enum", [])) + ([node["const"]] if "const" in node else [])
    for value in values:
        if isinstance(value, bool) or (
            isinstance(value, int | float) and value in (0, 1)
        ):
            return (
                "enum and const values cannot be true, false, 0 or 1: the Python "
                "models cannot tell true from 1 or false from 0"
            )
        if isinstance(value, float) and not value.is_integer():
            return "enum and const numbers must be whole numbers"
        if isinstance(value, dict | list):
            return "enum and const values must be strings, numbers or null"
    divisor = node.get("multipleOf")
    if isinstance(divisor, float) and not divisor.is_integer():
        return "multipleOf must be a whole number: fractional steps round differently"
    return None


def format_problem(node: dict[str, Any]) -> str | None:
    """Say why a schema with ``format`` cannot be translated exactly, if it cannot."""
    kinds = node.get("type")
    if kinds not in (None, "string", ["string", "null"], ["null", "string"]):
        return (
            'a schema with "format" must have "type": "string", ["string", "null"] '
            "or no type"
        )
    mixed = sorted(set(node) & STRING_CONSTRAINTS)
    if mixed:
        return (
            f'"format" cannot be combined with {", ".join(mixed)}; use one or the other'
        )
    return None


def default_problem(pipeline: Pipeline, node: dict[str, Any]) -> str | None:
    """Say why the ``default`` of ``node`` does not validate against ``node``."""
    from jsonschema import Draft202012Validator

    subject = {key: value for key, value in node.items() if key != "default"}
    subject["$defs"] = pipeline.all_defs()
    validator = Draft202012Validator(
        subject, format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    from referencing.exceptions import Unresolvable

    try:
        error = next(iter(validator.iter_errors(node["default"])), None)
    except Unresolvable:
        return None  # the unresolved $ref is reported on its own
    if error is None:
        return None
    return f"the default does not validate against its schema: {error.message[:160]}"


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
