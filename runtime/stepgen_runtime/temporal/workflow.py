"""The workflow: a job's stages in the registry's order, with approvals by signal.

It asks the worker for the job's plan first (:data:`PREPARE_ACTIVITY`), so every
stage activity gets the start-to-close timeout and retry policy of the step that the
worker runs. A stage whose output needs approval leaves the job WAITING_APPROVAL;
the workflow then waits for ``approveStage {stage}`` or ``rejectStage {stage,
reason?}`` (a signal that comes early is kept until its stage is reached) and
records the decision through the pipeline, as the embedded runner does. A stage that
fails for good, or a rejection, marks the job FAILED and fails the workflow with the
job's progress as the error's details.

The workflow is deterministic: it reads no clock but the workflow's and touches no
database. The runtime modules it imports are passed through the sandbox, as the SDK
documents for modules that are deterministic and have no side effects on import.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any, TypeVar

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError, TimeoutType
from temporalio.exceptions import TimeoutError as EngineTimeout

with workflow.unsafe.imports_passed_through():
    from stepgen_runtime.errors import StageFailed, StageTimeout
    from stepgen_runtime.pipeline import AUTO_APPROVED
    from stepgen_runtime.temporal.messages import (
        APPROVE_SIGNAL,
        COMPLETED,
        DECIDE_ACTIVITY,
        FAIL_ACTIVITY,
        FAILED,
        PREPARE_ACTIVITY,
        PROGRESS_QUERY,
        REJECT_SIGNAL,
        REJECTED,
        RUNNING,
        UNTIL,
        WAITING,
        WORKFLOW_NAME,
        ApproveSignal,
        Decided,
        Decision,
        Failure,
        PipelinePlan,
        Progress,
        ProgressEvent,
        RejectSignal,
        RunRequest,
        StagePlan,
        StageResult,
        StageTask,
        stage_activity,
    )

T = TypeVar("T")
# The bookkeeping activities only read or write a few rows.
HELPER_TIMEOUT = timedelta(seconds=30)
HELPER_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_interval=timedelta(seconds=10),
    maximum_attempts=5,
)


@workflow.defn(name=WORKFLOW_NAME)
class PipelineWorkflow:
    """Runs one job through its stages; approvals arrive as signals."""

    def __init__(self) -> None:
        self._decisions: dict[str, tuple[bool, str | None]] = {}
        self._progress = Progress(job_id="", state=RUNNING)

    @workflow.run
    async def run(self, request: RunRequest) -> Progress:
        """Run the job's stages in order until they are done, one fails or ``until``."""
        job_id = request.job_id
        self._progress = Progress(job_id=job_id, state=RUNNING)
        plan = await _helper(PREPARE_ACTIVITY, job_id, PipelinePlan)
        for stage in plan.stages:
            self._set(state=RUNNING, stage=stage.stage)
            result = await self._run_stage(job_id, stage)
            event = _event(result)
            decided = Decided(result.approval or "", result.job_error)
            if result.approval == "PENDING":
                decided = await self._decide(request, event)
                event = replace(event, approval=decided.status)
            self._record(event)
            if decided.status == "REJECTED":
                message = decided.job_error or f"stage {stage.stage} was rejected"
                self._set(state=REJECTED, error=message)
                raise ApplicationError(
                    message, self._progress, type="JobRejected", non_retryable=True
                )
            if stage.stage == request.until:
                self._set(state=UNTIL)
                return self._progress
        self._set(state=COMPLETED)
        return self._progress

    @workflow.signal(name=APPROVE_SIGNAL)
    def approve_stage(self, signal: ApproveSignal) -> None:
        """Approve ``signal.stage``, now or when the stage asks for it."""
        self._decisions[signal.stage] = (True, signal.comment)

    @workflow.signal(name=REJECT_SIGNAL)
    def reject_stage(self, signal: RejectSignal) -> None:
        """Reject ``signal.stage`` with its optional reason."""
        self._decisions[signal.stage] = (False, signal.reason)

    @workflow.query(name=PROGRESS_QUERY)
    def progress(self) -> Progress:
        """Where the workflow is, and the stages it ran."""
        return self._progress

    async def _run_stage(self, job_id: str, stage: StagePlan) -> StageResult:
        started = workflow.time()
        try:
            result: StageResult = await workflow.execute_activity(
                stage_activity(stage.stage),
                StageTask(job_id),
                result_type=StageResult,
                start_to_close_timeout=stage.start_to_close(),
                retry_policy=stage.retry_policy(),
            )
        except ActivityError as error:
            message = _failure_message(job_id, stage, error)
            duration = workflow.time() - started
            failed = ProgressEvent(stage.stage, "failed", None, duration, None, message)
            self._record(failed)
            await _helper(FAIL_ACTIVITY, Failure(job_id, stage.stage, message), None)
            self._set(state=FAILED, error=message)
            raise ApplicationError(
                message, self._progress, type="JobFailed", non_retryable=True
            ) from None
        return result

    async def _decide(self, request: RunRequest, event: ProgressEvent) -> Decided:
        stage = event.stage
        if request.auto_approve:
            self._decisions.setdefault(stage, (True, AUTO_APPROVED))
        if stage not in self._decisions:
            self._record(event)
            self._set(state=WAITING)
            await workflow.wait_condition(lambda: stage in self._decisions)
            self._set(state=RUNNING)
        approved, comment = self._decisions[stage]
        decision = Decision(request.job_id, stage, approved, comment)
        decided: Decided = await _helper(DECIDE_ACTIVITY, decision, Decided)
        return decided

    def _set(self, **changes: Any) -> None:
        self._progress = replace(self._progress, **changes)

    def _record(self, event: ProgressEvent) -> None:
        """Add the event of a stage, or update it: a decision follows a wait."""
        events = self._progress.events
        if events and events[-1].stage == event.stage:
            events = events[:-1]
        self._set(events=[*events, event])


async def _helper(name: str, argument: Any, result_type: type[T] | None) -> T:
    """Run one of the bookkeeping activities, which only read or write a few rows."""
    result: T = await workflow.execute_activity(
        name,
        argument,
        result_type=result_type,
        start_to_close_timeout=HELPER_TIMEOUT,
        retry_policy=HELPER_RETRY,
    )
    return result


def _event(result: StageResult) -> ProgressEvent:
    return ProgressEvent(
        stage=result.stage,
        outcome=result.outcome,
        version=result.version,
        duration_s=result.duration_s,
        approval=result.approval,
    )


def _failure_message(job_id: str, stage: StagePlan, error: ActivityError) -> str:
    """The job's error after its stage failed for good, as the executor words it."""
    cause = error.cause
    if isinstance(cause, EngineTimeout) and cause.type is TimeoutType.START_TO_CLOSE:
        # The server timed the attempt out before the worker could report it.
        timeout = StageTimeout(stage.stage, stage.timeout_ms)
        return str(StageFailed(job_id, stage.stage, stage.max_attempts, timeout))
    if isinstance(cause, ApplicationError):
        return cause.message
    return f"stage {stage.stage} failed: {cause or error}"
