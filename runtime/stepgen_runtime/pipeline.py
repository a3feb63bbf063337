"""Running a job through its stages in order, with approvals, from any point.

:meth:`Pipeline.advance` runs every stage in the registry's order. Finished stages
are reused through their inputs hash, so a job that stopped (waiting for approval,
failed, or killed) continues where it stopped without new versions. It stops at a
stage waiting for approval, at a failure, at a rejection, or after ``until``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from stepgen_runtime.db.rows import Approval, Artifact, Job
from stepgen_runtime.errors import (
    ApprovalError,
    ConfigurationError,
    JobError,
    StageFailed,
    UnknownStage,
)
from stepgen_runtime.executor import Executor, StageRun

AUTO_APPROVED = "auto-approved"


@dataclass(frozen=True)
class StageEvent:
    """One stage run as a progress line shows it."""

    stage: str
    outcome: str
    version: int | None
    duration_s: float
    approval: str | None = None
    error: str | None = None


@dataclass(frozen=True)
class RunReport:
    """Where a run of :meth:`Pipeline.advance` stopped, and why."""

    job_id: str
    reason: str
    stage: str | None
    job_status: str
    events: tuple[StageEvent, ...]
    error: str | None = None


@dataclass(frozen=True)
class StageState:
    """A stage of a job: its latest artifact and its approval."""

    stage: str
    requires_approval: bool
    artifact: Artifact | None
    approval: Approval | None


@dataclass(frozen=True)
class JobReport:
    """A job and the state of each of its stages."""

    job: Job
    stages: tuple[StageState, ...]


class Pipeline:
    """Creates jobs and moves them through the registered stages."""

    def __init__(self, executor: Executor) -> None:
        self.executor = executor
        self.store = executor.store
        self.registry = executor.registry

    def start(self, markdown: str, **config: Any) -> Job:
        """Create a DRAFT job for a Markdown lesson; extra keys go to Job.config."""
        if not markdown.strip():
            raise JobError("the lesson is empty")
        values = {"markdown": markdown}
        values.update(
            {key: value for key, value in config.items() if value is not None}
        )
        return self.store.create_job(values)

    def advance(
        self,
        job_id: str,
        *,
        until: str | None = None,
        auto_approve: bool = False,
        on_stage: Callable[[StageEvent], None] | None = None,
    ) -> RunReport:
        """Run the job's stages in order until one waits, fails, or ``until`` is done."""
        stages = self.registry.stages()
        if until is not None and until not in stages:
            raise UnknownStage(until, stages)
        if self.store.get_job(job_id).status == "CANCELED":
            raise JobError(f"job {job_id} was canceled; it does not run again")
        events: list[StageEvent] = []

        def report(
            reason: str, stage: str | None, error: str | None = None
        ) -> RunReport:
            status = self.store.get_job(job_id).status
            return RunReport(job_id, reason, stage, status, tuple(events), error)

        for index, stage in enumerate(stages):
            started = time.monotonic()
            after = stages[index + 1] if index + 1 < len(stages) else None
            try:
                run = self.executor.run_stage(
                    job_id,
                    stage,
                    approve_with=AUTO_APPROVED if auto_approve else None,
                    next_stage=None if stage == until else after,
                )
            except (StageFailed, ConfigurationError, JobError) as error:
                reason = "waiting" if isinstance(error, ApprovalError) else "failed"
                event = StageEvent(
                    stage, "failed", None, time.monotonic() - started, None, str(error)
                )
                events.append(event)
                if on_stage:
                    on_stage(event)
                return report(reason, stage, str(error))
            event = _event(run)
            events.append(event)
            if on_stage:
                on_stage(event)
            if event.approval == "PENDING":
                return report("waiting", stage)
            if event.approval == "REJECTED":
                return report("rejected", stage, self.store.get_job(job_id).error)
            if stage == until:
                return report("until", stage)
        return report("completed", stages[-1] if stages else None)

    def approve(self, job_id: str, stage: str, comment: str | None = None) -> Approval:
        """Approve the pending approval of ``stage``; the job may run on."""
        self._expects_approval(job_id, stage)
        return self.store.decide(job_id, stage, True, comment)

    def reject(self, job_id: str, stage: str, reason: str) -> Approval:
        """Reject the pending approval of ``stage`` with ``reason``; the job fails."""
        self._expects_approval(job_id, stage)
        if not reason.strip():
            raise ApprovalError(job_id, stage, "a rejection needs a reason")
        return self.store.decide(job_id, stage, False, reason)

    def status(self, job_id: str) -> JobReport:
        """The job and, for each stage, its latest artifact and its approval."""
        job = self.store.get_job(job_id)
        latest = {
            (item.stage, item.type): item
            for item in self.store.latest_artifacts(job_id)
        }
        approvals = self.store.approvals(job_id)
        states = tuple(
            StageState(
                stage=step.stage,
                requires_approval=step.execution.requires_approval,
                artifact=latest.get((step.stage, step.output.artifact_type)),
                approval=approvals.get(step.stage),
            )
            for step in self.registry.steps()
        )
        return JobReport(job, states)

    def _expects_approval(self, job_id: str, stage: str) -> None:
        step = self.registry.get(stage)
        if not step.execution.requires_approval:
            raise ApprovalError(job_id, step.stage, "this stage does not need approval")


def _event(run: StageRun) -> StageEvent:
    return StageEvent(
        stage=run.stage,
        outcome=run.outcome,
        version=run.artifact.version,
        duration_s=run.duration_s,
        approval=run.approval,
    )
