"""The step definition: everything about one stage, immutable and typed.

Generated step modules build one :class:`StepDefinition` each. JSON values (schemas,
tools, meta) are kept as canonical JSON text and parsed on access, so a definition can
never be changed through a returned dict.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import BaseModel


class StepType(StrEnum):
    """What produces a stage's output."""

    AI_GENERATION = "AI_GENERATION"
    PROCESSING = "PROCESSING"
    MERGE = "MERGE"


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How a failed stage is tried again: attempts in all, and the backoff in between."""

    max_attempts: int
    backoff_ms: int
    max_backoff_ms: int

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if not 0 <= self.backoff_ms <= self.max_backoff_ms:
            raise ValueError("backoff_ms must be between 0 and max_backoff_ms")

    def delay_ms(self, failed_attempts: int) -> int:
        """Backoff before the next attempt after ``failed_attempts`` failures (doubling)."""
        return int(
            min(self.max_backoff_ms, self.backoff_ms * 2 ** max(0, failed_attempts - 1))
        )


@dataclass(frozen=True, slots=True)
class StepConfig:
    """The default configuration of a stage; stored configurations may override it."""

    prompt: str
    model: str | None = None
    temperature: float | None = None
    tools_json: str = "[]"
    meta_json: str = "{}"
    schema_json: str | None = None

    @property
    def tools(self) -> list[Any]:
        """Tool declarations offered to the model."""
        value: list[Any] = json.loads(self.tools_json)
        return value

    @property
    def meta(self) -> dict[str, Any]:
        """Free-form settings of the stage."""
        value: dict[str, Any] = json.loads(self.meta_json)
        return value

    @property
    def schema(self) -> dict[str, Any] | None:
        """The JSON Schema the model's answer must match (AI stages)."""
        if self.schema_json is None:
            return None
        value: dict[str, Any] = json.loads(self.schema_json)
        return value


@dataclass(frozen=True, slots=True)
class StepInput:
    """What a stage reads: earlier stages, job-level values, and their combined model."""

    sources: tuple[str, ...]
    job: tuple[str, ...]
    model: type[BaseModel]
    schema_json: str

    @property
    def schema(self) -> dict[str, Any]:
        """The input's JSON Schema, with the ``$defs`` it uses."""
        value: dict[str, Any] = json.loads(self.schema_json)
        return value


@dataclass(frozen=True, slots=True)
class StepOutput:
    """What a stage writes: one artifact of ``artifact_type`` whose content matches ``model``."""

    artifact_type: str
    model: type[BaseModel]
    schema_json: str

    @property
    def schema(self) -> dict[str, Any]:
        """The output's JSON Schema, with the ``$defs`` it uses."""
        value: dict[str, Any] = json.loads(self.schema_json)
        return value


@dataclass(frozen=True, slots=True)
class Execution:
    """How a stage runs: approval, retries and its time limit."""

    requires_approval: bool
    retry_policy: RetryPolicy | None = None
    timeout_ms: int | None = None


@dataclass(frozen=True, slots=True)
class StepDefinition:
    """One stage of a pipeline, as its manifest describes it."""

    stage: str
    name: str
    description: str
    version: int
    type: StepType
    config: StepConfig
    input: StepInput
    output: StepOutput
    execution: Execution

    @property
    def is_ai(self) -> bool:
        """Whether a language model produces this stage's output."""
        return self.type is StepType.AI_GENERATION


@dataclass(frozen=True, slots=True)
class JobInput:
    """A value stages read from the job: ``id``, or ``config.<key>`` inside Job.config."""

    name: str
    source: str
    schema_json: str

    @property
    def schema(self) -> dict[str, Any]:
        """The value's JSON Schema, with the ``$defs`` it uses."""
        value: dict[str, Any] = json.loads(self.schema_json)
        return value
