"""The exceptions the runtime raises on purpose, as one tree with one root.

Each exception carries its context (the stage, the job, the configuration id) as
attributes, and its message says what is wrong in one sentence::

    StepRuntimeError                 root; ``retryable`` says whether trying again may help
    ├── RegistryError                a registration, lookup or removal was refused
    │   └── UnknownStage             no step is registered for the stage
    ├── DatabaseError                the database cannot be reached or lacks its tables
    ├── ConfigurationError           a prompt configuration cannot be used
    │   └── InvalidStoredConfig      a stored configuration breaks a rule of the manifest
    ├── JobError                     the job does not allow what was asked
    │   ├── JobNotFound              no job has the id
    │   ├── MissingInput             an input of the stage is absent or invalid
    │   └── ApprovalError            an approval is pending, refused or not expected
    ├── ModelError                   the model client failed (retryable unless refused)
    ├── MediaError                   a media tool failed or is missing
    ├── StageTimeout                 one attempt ran past the step's time limit
    ├── OutputInvalid                the output does not match the step's output schema
    ├── StageFailed                  a stage failed after all its attempts; ``cause``
    └── EngineError                  the workflow engine cannot be reached or refused
"""

from __future__ import annotations

from collections.abc import Sequence


class StepRuntimeError(Exception):
    """Root of every error the runtime raises on purpose."""

    retryable: bool = False


class RegistryError(StepRuntimeError):
    """A registration, lookup or removal in a step registry was refused."""


class UnknownStage(RegistryError, KeyError):
    """No step is registered for the stage."""

    def __init__(self, stage: str, known: Sequence[str] = ()) -> None:
        self.stage = stage
        listed = ", ".join(known) or "none"
        super().__init__(f"no step is registered for stage {stage!r} (known: {listed})")

    def __str__(self) -> str:
        return str(self.args[0])


class DatabaseError(StepRuntimeError):
    """The database cannot be reached, or it lacks the tables the runtime needs."""


class ConfigurationError(StepRuntimeError):
    """A prompt configuration cannot be used."""


class InvalidStoredConfig(ConfigurationError):
    """A stored prompt configuration breaks a rule; names the stage, id and fields."""

    def __init__(
        self, stage: str, config_id: str, problems: Sequence[tuple[str, str]]
    ) -> None:
        self.stage = stage
        self.config_id = config_id
        self.problems = tuple(problems)
        self.field = self.problems[0][0] if self.problems else ""
        details = "; ".join(f"{field}: {message}" for field, message in self.problems)
        super().__init__(
            f"the active prompt configuration {config_id!r} of stage {stage} is "
            f"invalid: {details}"
        )


class JobError(StepRuntimeError):
    """The job does not allow what was asked."""


class JobNotFound(JobError):
    """No job has the id."""

    def __init__(self, job_id: str) -> None:
        self.job_id = job_id
        super().__init__(f"no job has the id {job_id!r}")


class MissingInput(JobError):
    """An input of a stage is absent or does not match the stage's input schema."""

    def __init__(self, stage: str, message: str) -> None:
        self.stage = stage
        super().__init__(f"stage {stage} cannot start: {message}")


class ApprovalError(JobError):
    """An approval is pending, was refused, or is not expected for the stage."""

    def __init__(self, job_id: str, stage: str, message: str) -> None:
        self.job_id = job_id
        self.stage = stage
        super().__init__(f"job {job_id}, stage {stage}: {message}")


class ModelError(StepRuntimeError):
    """The model client failed; ``retryable`` is false when the server refused."""

    def __init__(self, message: str, *, retryable: bool = True) -> None:
        self.retryable = retryable
        super().__init__(message)


class MediaError(StepRuntimeError):
    """A media tool failed or is missing; the message carries the tool's own words.

    A tool that exited with an error fails the same way again, so only one killed
    by a signal (``returncode`` below zero) is worth another attempt.
    """

    def __init__(self, tool: str, message: str, *, returncode: int | None = None):
        self.tool = tool
        self.returncode = returncode
        self.retryable = returncode is not None and returncode < 0
        super().__init__(message)


class StageTimeout(StepRuntimeError):
    """One attempt of a stage ran past the step's time limit."""

    retryable = True

    def __init__(self, stage: str, timeout_ms: int) -> None:
        self.stage = stage
        self.timeout_ms = timeout_ms
        super().__init__(f"stage {stage} ran past its time limit of {timeout_ms} ms")


class OutputInvalid(StepRuntimeError):
    """The output of a stage does not match the step's output schema."""

    retryable = True

    def __init__(self, stage: str, message: str) -> None:
        self.stage = stage
        super().__init__(f"the output of stage {stage} is invalid: {message}")


class StageFailed(StepRuntimeError):
    """A stage failed after all its attempts; ``cause`` is the last error."""

    def __init__(self, job_id: str, stage: str, attempts: int, cause: BaseException):
        self.job_id = job_id
        self.stage = stage
        self.attempts = attempts
        self.cause = cause
        plural = "attempt" if attempts == 1 else "attempts"
        super().__init__(f"stage {stage} failed after {attempts} {plural}: {cause}")


class EngineError(StepRuntimeError):
    """The workflow engine (Temporal) cannot be reached, or it refused a request."""


__all__ = [
    "ApprovalError",
    "ConfigurationError",
    "DatabaseError",
    "EngineError",
    "InvalidStoredConfig",
    "JobError",
    "JobNotFound",
    "MediaError",
    "MissingInput",
    "ModelError",
    "OutputInvalid",
    "RegistryError",
    "StageFailed",
    "StageTimeout",
    "StepRuntimeError",
    "UnknownStage",
]
