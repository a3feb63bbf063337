"""Each step's retry policy and time limit, applied by a real Temporal server.

The history is read from the server itself: every stage activity is scheduled with
its step's start-to-close timeout and retry policy (defect 8 of the first attempt:
declared, never applied), and the attempts Temporal made match what the scripted
model and processors needed, with the step's backoff between them.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from stepgen_runtime.registry import StepRegistry

from tests.runtime.conftest import STAGES, job_of
from tests.runtime.temporal.conftest import Setup, stepgen
from tests.runtime.temporal.support import (
    LESSON,
    attempts,
    calls,
    duration,
    gaps,
    scheduled,
    state,
)

MakeSetup = Callable[[str], Setup]
QUICK = "tests.runtime.temporal.quick_steps"


def test_each_stage_runs_with_its_steps_policy_and_retries_as_it_says(
    make_setup: MakeSetup, sqlite_url: str
) -> None:
    setup = make_setup(sqlite_url)
    setup.scripted_worker(
        failures={"PLAN": 2, "NARRATION": 1}, processor_failures={"TTS": 1}
    )

    ran = stepgen("run", LESSON, *setup.where, "--auto-approve")

    assert ran.exit_code == 0, ran.stderr + setup.logs()
    job = job_of(ran.stdout)
    assert f"job {job} is COMPLETED (stopped after DONE)" in ran.stdout
    history = setup.server.history(job)
    options = scheduled(history)
    for step in StepRegistry.from_package("rematrix_steps").steps():
        policy, timeout_ms = step.execution.retry_policy, step.execution.timeout_ms
        assert policy is not None and timeout_ms is not None
        given = options[f"stage.{step.stage}"]
        assert given["startToCloseTimeout"] == duration(timeout_ms), step.stage
        assert given["retryPolicy"] == {
            "initialInterval": duration(policy.backoff_ms),
            "backoffCoefficient": 2,
            "maximumInterval": duration(policy.max_backoff_ms),
            "maximumAttempts": policy.max_attempts,
        }, step.stage
    made = {stage: 1 for stage in STAGES} | {"PLAN": 3, "NARRATION": 2, "TTS": 2}
    assert {
        name.removeprefix("stage."): attempt
        for name, attempt in attempts(history).items()
        if name.startswith("stage.")
    } == made
    stored = state(sqlite_url, job)
    assert stored["status"] == "COMPLETED"
    assert stored["versions"] == sorted((stage, 1) for stage in STAGES)
    assert stored["attempts"] == made
    logged = calls(setup.calls)
    assert [call["attempt"] for call in logged["PLAN"]] == [1, 2, 3]
    for stage, backoffs in {
        "PLAN": [1.0, 2.0],
        "NARRATION": [1.0],
        "TTS": [2.0],
    }.items():
        waited = gaps(logged[stage])
        assert len(waited) == len(backoffs), stage
        for seconds, backoff in zip(waited, backoffs, strict=True):
            assert backoff - 0.05 <= seconds < backoff + 1.5, (stage, waited)


@pytest.mark.parametrize(
    ("retryable", "made"), [(True, 3), (False, 1)], ids=["failing", "refusing"]
)
def test_a_stage_failing_for_good_fails_the_job_after_its_attempts(
    make_setup: MakeSetup, sqlite_url: str, retryable: bool, made: int
) -> None:
    setup = make_setup(sqlite_url)
    setup.scripted_worker(always_fail=["PLAN"], retryable=retryable)

    ran = stepgen("run", LESSON, *setup.where)

    assert ran.exit_code == 1, ran.stderr + setup.logs()
    job = job_of(ran.stdout)
    plural = "attempt" if made == 1 else "attempts"
    error = f"stage PLAN failed after {made} {plural}: scripted failure"
    assert f"job {job} failed at PLAN\n  {error}" in ran.stderr
    assert "PLAN        failed" in ran.stdout
    stored = state(sqlite_url, job)
    assert (stored["status"], stored["stage"], stored["error"]) == (
        "FAILED",
        "PLAN",
        error,
    )
    assert stored["versions"] == []
    assert [call["attempt"] for call in calls(setup.calls)["PLAN"]] == list(
        range(1, made + 1)
    )
    history = setup.server.history(job)
    assert attempts(history)["stage.PLAN"] == made
    failed = [
        event["activityTaskFailedEventAttributes"]["failure"]
        for event in history
        if "activityTaskFailedEventAttributes" in event
    ]
    assert [item["applicationFailureInfo"]["type"] for item in failed] == ["ModelError"]
    assert failed[0]["applicationFailureInfo"].get("nonRetryable", False) is not (
        retryable
    )
    assert setup.server.status(job) == "FAILED"


def test_a_too_slow_stage_times_out_as_its_step_says(
    make_setup: MakeSetup, sqlite_url: str
) -> None:
    setup = make_setup(sqlite_url)
    setup.scripted_worker(hang=["PLAN"], steps=QUICK)
    started = time.monotonic()

    ran = stepgen("run", LESSON, *setup.where, "--steps", QUICK)

    elapsed = time.monotonic() - started
    assert ran.exit_code == 1, ran.stderr + setup.logs()
    job = job_of(ran.stdout)
    error = (
        "stage PLAN failed after 2 attempts: "
        "stage PLAN ran past its time limit of 1000 ms"
    )
    stored = state(sqlite_url, job)
    assert (stored["status"], stored["error"], stored["versions"]) == (
        "FAILED",
        error,
        [],
    )
    history = setup.server.history(job)
    given = scheduled(history)["stage.PLAN"]
    assert given["startToCloseTimeout"] == "1s"
    assert given["retryPolicy"]["maximumAttempts"] == 2
    assert attempts(history)["stage.PLAN"] == 2
    logged = calls(setup.calls)["PLAN"]
    assert [call["attempt"] for call in logged] == [1, 2]
    (waited,) = gaps(logged)
    assert 1.5 - 0.05 <= waited < 3.0, waited
    assert 2.5 <= elapsed < 30, elapsed
