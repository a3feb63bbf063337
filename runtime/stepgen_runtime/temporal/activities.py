"""The worker's activities: one per registered step, and the workflow's bookkeeping.

A stage activity (``stage.PLAN``, ``stage.OUTLINE``, …) runs its stage through the
runtime's executor for exactly one attempt, numbered by Temporal: Temporal applies
the step's retry policy and start-to-close timeout, and the executor still holds the
attempt to the step's time limit, so an attempt that Temporal gave up on never writes
an artifact. An attempt repeated after a lost completion (a worker killed after the
write) finds the artifact through its inputs hash and reuses it: no second version.

Whether Temporal may try a failed stage again is the executor's own verdict
(:func:`stepgen_runtime.attempts.retryable`), so both ways of running agree:

- tried again: model errors the server did not refuse, time-outs, output that does
  not match the schema (a model may answer better next time), unexpected processor
  errors, and a database that cannot be reached;
- not tried again (non-retryable): refusals, invalid stored configurations, missing
  inputs, approvals that are pending or refused, an unknown job, a canceled job.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from stepgen_runtime.app import Runtime
from stepgen_runtime.attempts import retryable
from stepgen_runtime.errors import (
    ApprovalError,
    DatabaseError,
    JobError,
    StageFailed,
    StepRuntimeError,
)
from stepgen_runtime.temporal.messages import (
    DECIDE_ACTIVITY,
    FAIL_ACTIVITY,
    PREPARE_ACTIVITY,
    Decided,
    Decision,
    Failure,
    PipelinePlan,
    StagePlan,
    StageResult,
    StageTask,
    stage_activity,
)


def as_failure(error: StepRuntimeError) -> ApplicationError:
    """The Temporal failure for a runtime error: its message, type and retry verdict."""
    cause = error.cause if isinstance(error, StageFailed) else error
    again = isinstance(error, DatabaseError) or retryable(cause)
    return ApplicationError(
        str(error), type=type(cause).__name__, non_retryable=not again
    )


class PipelineActivities:
    """The activities of one worker, all on one open runtime."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    def definitions(self) -> list[Callable[..., Any]]:
        """Every activity to register: one per registered step, then the helpers."""
        stages = [
            self._stage_activity(step.stage) for step in self.runtime.registry.steps()
        ]
        return [*stages, self.prepare, self.decide, self.fail]

    def run_stage(self, stage: str, task: StageTask) -> StageResult:
        """Make Temporal's current attempt at ``stage`` of the task's job."""
        attempt = activity.info().attempt
        try:
            run = self.runtime.executor.run_stage(task.job_id, stage, attempt=attempt)
        except StepRuntimeError as error:
            raise as_failure(error) from None
        job_error = None
        if run.approval == "REJECTED":
            job_error = self.runtime.jobs.get_job(task.job_id).error
        return StageResult(
            stage=run.stage,
            outcome=run.outcome,
            version=run.artifact.version,
            approval=run.approval,
            job_status=run.job_status,
            attempt=attempt,
            duration_s=run.duration_s,
            job_error=job_error,
        )

    @activity.defn(name=PREPARE_ACTIVITY)
    def prepare(self, job_id: str) -> PipelinePlan:
        """Check that the job may run; return its stages with their execution."""
        try:
            job = self.runtime.jobs.get_job(job_id)
            if job.status == "CANCELED":
                raise JobError(f"job {job_id} was canceled; it does not run again")
        except StepRuntimeError as error:
            raise as_failure(error) from None
        steps = self.runtime.registry.steps()
        return PipelinePlan(job_id, [StagePlan.of(step) for step in steps])

    @activity.defn(name=DECIDE_ACTIVITY)
    def decide(self, decision: Decision) -> Decided:
        """Approve or reject a stage waiting for approval, as the pipeline does.

        A decision that is already recorded (an earlier attempt of this activity,
        or someone through the database) is taken as it stands.
        """
        job_id, stage, comment = decision.job_id, decision.stage, decision.comment
        jobs = self.runtime.jobs
        try:
            if decision.approved:
                self.runtime.pipeline.approve(job_id, stage, comment)
            elif comment and comment.strip():
                self.runtime.pipeline.reject(job_id, stage, comment)
            else:
                jobs.decide(job_id, stage, False, None)
        except ApprovalError as error:
            current = jobs.approvals(job_id).get(stage)
            if current is None or current.status == "PENDING":
                raise as_failure(error) from None
        except StepRuntimeError as error:
            raise as_failure(error) from None
        status = jobs.approvals(job_id)[stage].status
        job_error = jobs.get_job(job_id).error if status == "REJECTED" else None
        return Decided(status, job_error)

    @activity.defn(name=FAIL_ACTIVITY)
    def fail(self, failure: Failure) -> None:
        """Mark the job FAILED at the stage that failed for good."""
        try:
            self.runtime.jobs.set_state(
                failure.job_id, "FAILED", failure.stage, failure.message
            )
        except StepRuntimeError as error:
            raise as_failure(error) from None

    def _stage_activity(self, stage: str) -> Callable[[StageTask], StageResult]:
        def run(task: StageTask) -> StageResult:
            return self.run_stage(stage, task)

        run.__name__ = run.__qualname__ = f"run_{stage.lower()}"
        run.__doc__ = f"Run stage {stage} for one attempt."
        return activity.defn(name=stage_activity(stage))(run)
