"""What the workflow, its activities and its clients exchange, and the names they share.

Everything here is plain data that Temporal's default converter writes as JSON, and
nothing here reads a clock, a file or the network, so the workflow may import it.
The names are the existing service's where it has them: the workflow id
``video-generation-{jobId}`` and the signals ``approveStage {stage}`` and
``rejectStage {stage, reason?}``.

:meth:`StagePlan.of` is the only place a step's execution settings become Temporal
options, so a step's retry policy and time limit cannot stop short of the engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from temporalio.common import RetryPolicy

if TYPE_CHECKING:
    from stepgen_runtime.definitions import StepDefinition

WORKFLOW_NAME = "VideoGenerationWorkflow"
WORKFLOW_ID_PREFIX = "video-generation-"
APPROVE_SIGNAL = "approveStage"
REJECT_SIGNAL = "rejectStage"
PROGRESS_QUERY = "progress"
PREPARE_ACTIVITY = "pipeline.prepare"
DECIDE_ACTIVITY = "pipeline.decide"
FAIL_ACTIVITY = "pipeline.fail"
STAGE_ACTIVITY_PREFIX = "stage."
BACKOFF_COEFFICIENT = 2.0
# A step without ``timeoutMs`` still needs a start-to-close timeout on Temporal.
DEFAULT_TIMEOUT_MS = 600_000
# Temporal reads a zero interval as "use the server default" (1 s): 1 ms keeps
# "no wait" meaning no wait.
SHORTEST_INTERVAL_MS = 1

RUNNING = "running"
WAITING = "waiting"
COMPLETED = "completed"
UNTIL = "until"
FAILED = "failed"
REJECTED = "rejected"


def workflow_id(job_id: str) -> str:
    """The id of the workflow that runs ``job_id``, as the existing service names it."""
    return f"{WORKFLOW_ID_PREFIX}{job_id}"


def stage_activity(stage: str) -> str:
    """The activity type that runs ``stage``."""
    return f"{STAGE_ACTIVITY_PREFIX}{stage}"


@dataclass(frozen=True)
class StagePlan:
    """One stage as the workflow runs it: approval, retry policy and time limit."""

    stage: str
    requires_approval: bool
    max_attempts: int
    backoff_ms: int
    max_backoff_ms: int
    timeout_ms: int

    @classmethod
    def of(cls, step: StepDefinition) -> StagePlan:
        """The plan of ``step``, from its execution settings."""
        execution = step.execution
        policy = execution.retry_policy
        return cls(
            stage=str(step.stage),
            requires_approval=execution.requires_approval,
            max_attempts=policy.max_attempts if policy else 1,
            backoff_ms=policy.backoff_ms if policy else 0,
            max_backoff_ms=policy.max_backoff_ms if policy else 0,
            timeout_ms=execution.timeout_ms or DEFAULT_TIMEOUT_MS,
        )

    def retry_policy(self) -> RetryPolicy:
        """Temporal's retry policy for the stage: attempts, doubling backoff, its cap."""
        first = max(self.backoff_ms, SHORTEST_INTERVAL_MS)
        return RetryPolicy(
            initial_interval=timedelta(milliseconds=first),
            backoff_coefficient=BACKOFF_COEFFICIENT,
            maximum_interval=timedelta(milliseconds=max(self.max_backoff_ms, first)),
            maximum_attempts=self.max_attempts,
        )

    def start_to_close(self) -> timedelta:
        """Temporal's start-to-close timeout of one attempt: the step's ``timeoutMs``."""
        return timedelta(milliseconds=self.timeout_ms)


@dataclass(frozen=True)
class PipelinePlan:
    """The stages of a job in execution order, as the worker's registry has them."""

    job_id: str
    stages: list[StagePlan]


@dataclass(frozen=True)
class RunRequest:
    """The workflow's input: the job, and whether to approve or stop on the way."""

    job_id: str
    auto_approve: bool = False
    until: str | None = None


@dataclass(frozen=True)
class StageTask:
    """The input of a stage activity."""

    job_id: str


@dataclass(frozen=True)
class StageResult:
    """What one stage activity did: created or reused, and the job's state after."""

    stage: str
    outcome: str
    version: int
    approval: str | None
    job_status: str
    attempt: int
    duration_s: float
    job_error: str | None = None


@dataclass(frozen=True)
class ApproveSignal:
    """The payload of ``approveStage``; ``comment`` is stepgen's optional addition."""

    stage: str
    comment: str | None = None


@dataclass(frozen=True)
class RejectSignal:
    """The payload of ``rejectStage``."""

    stage: str
    reason: str | None = None


@dataclass(frozen=True)
class Decision:
    """The input of the decide activity: approve or reject a stage of a job."""

    job_id: str
    stage: str
    approved: bool
    comment: str | None = None


@dataclass(frozen=True)
class Decided:
    """What the decide activity left: the approval's status and the job's error."""

    status: str
    job_error: str | None = None


@dataclass(frozen=True)
class Failure:
    """The input of the fail activity: the stage that failed for good, and why."""

    job_id: str
    stage: str
    message: str


@dataclass(frozen=True)
class ProgressEvent:
    """One stage as a progress line shows it."""

    stage: str
    outcome: str
    version: int | None
    duration_s: float
    approval: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class Progress:
    """Where a workflow is: running, waiting, or why it ended; and its stage events."""

    job_id: str
    state: str
    stage: str | None = None
    events: list[ProgressEvent] = field(default_factory=list)
    error: str | None = None
