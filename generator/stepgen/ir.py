"""The intermediate model: one checked, typed picture of a manifest.

Every emitter and every check reads this model; none of them reads the manifest's JSON
again. Schemas stay plain JSON values (dicts), exactly as written, so that each emitter
translates the same data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from stepgen_runtime.naming import field_name, job_variable, source_variable

from stepgen.errors import Problem

JOB_STAGE = "JobStage"
STEP_TYPES = ("AI_GENERATION", "PROCESSING", "MERGE")


def pascal_case(upper_snake: str) -> str:
    """Turn ``MY_STAGE`` into ``MyStage``."""
    return "".join(part.capitalize() for part in upper_snake.lower().split("_"))


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a failed stage is tried again."""

    max_attempts: int
    backoff_ms: int
    max_backoff_ms: int


@dataclass(frozen=True)
class JobInput:
    """A value a stage reads from the job itself (``Job.id`` or a ``Job.config`` key)."""

    name: str
    description: str
    source: str
    schema: Any

    @property
    def variable(self) -> str:
        """The ``<variable>`` a prompt uses for this input."""
        return job_variable(self.name)


@dataclass(frozen=True)
class Stage:
    """One stage of the pipeline, as the manifest declares it."""

    index: int
    stage: str
    name: str
    description: str
    version: int
    type: str
    model: str | None
    temperature: float | None
    prompt: str | None
    prompt_file: str | None
    tools: tuple[Any, ...]
    meta: dict[str, Any]
    sources: tuple[str, ...]
    job_inputs: tuple[str, ...]
    input_schema: Any
    output_type: str
    output_schema: Any
    requires_approval: bool
    retry: RetryPolicy | None
    timeout_ms: int | None

    @property
    def pointer(self) -> str:
        """JSON pointer of this stage in the manifest."""
        return f"/stages/{self.index}"

    @cached_property
    def field_name(self) -> str:
        """Name of the input property that carries this stage's output to readers."""
        return field_name(self.stage)

    @property
    def module_name(self) -> str:
        """Name of the generated module of this stage."""
        return self.stage.lower()

    @cached_property
    def input_model(self) -> str:
        """Class name of the stage's input model."""
        return f"{pascal_case(self.stage)}Input"

    @cached_property
    def output_model(self) -> str:
        """Class name of the stage's output model (its ``$defs`` name when referenced)."""
        target = _local_ref(self.output_schema)
        return target if target else f"{pascal_case(self.stage)}Output"

    @property
    def is_ai(self) -> bool:
        """Whether a language model produces this stage's output."""
        return self.type == "AI_GENERATION"


def _local_ref(schema: Any) -> str | None:
    if isinstance(schema, dict) and set(schema) == {"$ref"}:
        ref = schema["$ref"]
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return ref[len("#/$defs/") :]
    return None


def variable_for_source(stage: Stage) -> str:
    """The ``<variable>`` a prompt uses for the output of ``stage``."""
    return source_variable(stage.stage, stage.output_type)


@dataclass(frozen=True)
class Pipeline:
    """The whole manifest, checked and resolved."""

    name: str
    version: str
    description: str
    python_package: str
    typescript_package: str
    models: tuple[str, ...]
    enums: dict[str, tuple[str, ...]]
    job_inputs: dict[str, JobInput]
    defs: dict[str, Any]
    stages: tuple[Stage, ...]
    inputs: dict[str, bytes] = field(default_factory=dict)
    # The sha256 of the manifest's own text (prompt files apart); empty when unknown.
    text_digest: str = ""
    locate: Callable[[str, str, str], Problem] | None = field(default=None, repr=False)
    # Values the emitters derive from this model and share, made once each.
    derived: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def problem(self, pointer: str, code: str, message: str) -> Problem:
        """A problem located in the manifest this pipeline was read from."""
        if self.locate is None:
            return Problem("<manifest>", 1, 1, pointer, code, message)
        return self.locate(pointer, code, message)

    def pointer_of_model(self, name: str) -> str:
        """The manifest pointer of the schema that becomes the model ``name``."""
        for stage in self.stages:
            if name == stage.input_model:
                return f"{stage.pointer}/input/schema"
            if name == stage.output_model and name not in self.defs:
                return f"{stage.pointer}/output/schema"
        return f"/$defs/{name}" if name in self.defs else ""

    @cached_property
    def _by_name(self) -> dict[str, Stage]:
        found: dict[str, Stage] = {}
        for stage in self.stages:
            found.setdefault(stage.stage, stage)
        return found

    @cached_property
    def _readers(self) -> dict[str, list[str]]:
        readers: dict[str, list[str]] = {}
        for stage in self.stages:
            for source in dict.fromkeys(stage.sources):
                readers.setdefault(source, []).append(stage.stage)
        return readers

    def stage(self, name: str) -> Stage:
        """Return the stage called ``name``."""
        return self._by_name[name]

    def all_defs(self) -> dict[str, Any]:
        """The ``$defs`` with every enum added, as the generated schemas see them.

        Made once and shared: treat it as read-only.
        """
        return self._all_defs

    @cached_property
    def _all_defs(self) -> dict[str, Any]:
        merged: dict[str, Any] = {
            name: {"enum": list(values)} for name, values in sorted(self.enums.items())
        }
        merged.update(self.defs)
        return merged

    def variables(self, stage: Stage) -> list[str]:
        """The ``<variables>`` a prompt of ``stage`` must mention, in input order."""
        known = self._by_name
        found = [
            variable_for_source(known[source])
            for source in stage.sources
            if source in known
        ]
        found += [
            self.job_inputs[name].variable
            for name in stage.job_inputs
            if name in self.job_inputs
        ]
        return found

    def dependents(self, name: str) -> list[str]:
        """Stages that read the output of ``name``."""
        return list(self._readers.get(name, ()))
