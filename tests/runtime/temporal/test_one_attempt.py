"""The pieces Temporal builds on, without a server: one attempt, options, verdicts.

These run in this process: they build Temporal's option and error objects but never
connect, so the SDK's native runtime never starts here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import timedelta

import pytest
from stepgen_runtime.app import Runtime
from stepgen_runtime.definitions import Execution
from stepgen_runtime.errors import (
    ApprovalError,
    DatabaseError,
    InvalidStoredConfig,
    JobNotFound,
    MissingInput,
    ModelError,
    OutputInvalid,
    StageFailed,
    StageTimeout,
    StepRuntimeError,
)
from stepgen_runtime.registry import StepRegistry
from stepgen_runtime.temporal.activities import as_failure
from stepgen_runtime.temporal.messages import DEFAULT_TIMEOUT_MS, StagePlan

from tests.runtime.conftest import ScriptedClient, Sleeps

OpenRuntime = Callable[..., Runtime]
MakeClient = Callable[..., ScriptedClient]


def test_a_numbered_attempt_that_fails_leaves_the_job_to_its_retrier(
    open_rt: OpenRuntime, lesson: str, scripted: MakeClient, sleeps: Sleeps
) -> None:
    client = scripted(always_fail=frozenset({"PLAN"}))
    runtime = open_rt(client=client)
    job = runtime.pipeline.start(lesson)

    with pytest.raises(StageFailed, match="after 2 attempts: scripted failure"):
        runtime.executor.run_stage(job.id, "PLAN", attempt=2)

    assert (client.calls("PLAN"), sleeps) == (1, [])
    stored = runtime.jobs.get_job(job.id)
    assert (stored.status, stored.current_stage, stored.error) == (
        "RUNNING",
        "PLAN",
        None,
    )
    assert runtime.jobs.artifacts(job.id) == []


def test_a_numbered_attempt_that_succeeds_records_its_number(
    open_rt: OpenRuntime, lesson: str, scripted: MakeClient
) -> None:
    runtime = open_rt(client=scripted())
    job = runtime.pipeline.start(lesson)

    run = runtime.executor.run_stage(job.id, "PLAN", attempt=3)
    again = runtime.executor.run_stage(job.id, "PLAN", attempt=4)

    assert (run.outcome, run.attempts, run.artifact.meta["attempts"]) == (
        "created",
        3,
        3,
    )
    assert (again.outcome, again.artifact.id) == ("reused", run.artifact.id)


def test_a_numbered_attempt_keeps_the_steps_time_limit(
    open_rt: OpenRuntime, lesson: str, scripted: MakeClient
) -> None:
    registry = StepRegistry.from_package("rematrix_steps")
    plan = registry.get("PLAN")
    quick = dataclasses.replace(plan.execution, timeout_ms=200)
    registry.add(dataclasses.replace(plan, execution=quick), replace=True)
    client = scripted(hang=frozenset({"PLAN"}))
    runtime = open_rt(steps=registry, client=client)
    job = runtime.pipeline.start(lesson)

    with pytest.raises(StageFailed) as caught:
        runtime.executor.run_stage(job.id, "PLAN", attempt=1)

    assert isinstance(caught.value.cause, StageTimeout)
    assert str(caught.value) == (
        "stage PLAN failed after 1 attempt: "
        "stage PLAN ran past its time limit of 200 ms"
    )
    assert runtime.jobs.get_job(job.id).status == "RUNNING"


def test_every_step_reaches_temporal_with_its_policy_and_time_limit() -> None:
    steps = StepRegistry.from_package("rematrix_steps").steps()

    for step in steps:
        policy, timeout_ms = step.execution.retry_policy, step.execution.timeout_ms
        assert policy is not None and timeout_ms is not None
        plan = StagePlan.of(step)
        temporal = plan.retry_policy()
        assert (plan.stage, plan.requires_approval) == (
            step.stage,
            step.execution.requires_approval,
        )
        assert temporal.maximum_attempts == policy.max_attempts
        assert temporal.initial_interval == timedelta(milliseconds=policy.backoff_ms)
        assert temporal.maximum_interval == timedelta(
            milliseconds=policy.max_backoff_ms
        )
        assert temporal.backoff_coefficient == 2.0
        assert plan.start_to_close() == timedelta(milliseconds=timeout_ms)
    made = [StagePlan.of(step).max_attempts for step in steps]
    assert made == [3, 3, 3, 3, 3, 2, 2, 2, 1]


def test_a_step_without_a_policy_or_time_limit_runs_once_under_a_default() -> None:
    step = StepRegistry.from_package("rematrix_steps").get("OUTLINE")
    bare = dataclasses.replace(step, execution=Execution(requires_approval=False))

    plan = StagePlan.of(bare)

    policy = plan.retry_policy()
    assert policy.maximum_attempts == 1
    assert (
        policy.initial_interval == policy.maximum_interval == timedelta(milliseconds=1)
    )
    assert plan.start_to_close() == timedelta(milliseconds=DEFAULT_TIMEOUT_MS)


def failed(cause: BaseException) -> StageFailed:
    return StageFailed("job-1", "PLAN", 2, cause)


@pytest.mark.parametrize(
    ("error", "kind", "retried"),
    [
        (failed(ModelError("busy")), "ModelError", True),
        (failed(ModelError("refused", retryable=False)), "ModelError", False),
        (failed(StageTimeout("PLAN", 1000)), "StageTimeout", True),
        (failed(OutputInvalid("PLAN", "style: too short")), "OutputInvalid", True),
        (failed(RuntimeError("a processor broke")), "RuntimeError", True),
        (
            InvalidStoredConfig("PLAN", "cfg", [("model", "x")]),
            "InvalidStoredConfig",
            False,
        ),
        (MissingInput("PLAN", "no markdown"), "MissingInput", False),
        (ApprovalError("job-1", "OUTLINE", "PLAN is PENDING"), "ApprovalError", False),
        (JobNotFound("job-1"), "JobNotFound", False),
        (DatabaseError("database error at sqlite:///x"), "DatabaseError", True),
    ],
)
def test_temporal_retries_what_the_executor_would_retry(
    error: StepRuntimeError, kind: str, retried: bool
) -> None:
    failure = as_failure(error)

    assert (failure.message, failure.type) == (str(error), kind)
    assert failure.non_retryable is not retried
