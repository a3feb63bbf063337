"""Approvals by signal: ``approveStage {stage}`` and ``rejectStage {stage, reason?}``.

The signals come from ``stepgen approve|reject --temporal`` and, with the existing
service's payloads, from the Temporal CLI. The worker is the real ``stepgen worker``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from tests.conftest import invoke
from tests.runtime.conftest import STAGES, job_of
from tests.runtime.temporal.conftest import Setup, stepgen
from tests.runtime.temporal.support import LESSON, state

MakeSetup = Callable[[str], Setup]


def wait_for(db_url: str, job_id: str, status: str, stage: str) -> dict[str, Any]:
    """Wait until the job has ``status`` at ``stage``; return its state."""
    deadline = time.monotonic() + 60
    while True:
        found = state(db_url, job_id)
        if (found["status"], found["stage"]) == (status, stage):
            return found
        assert time.monotonic() < deadline, found
        time.sleep(0.1)


def started(setup: Setup, *options: str) -> str:
    """Start a run with the CLI; check it waits for PLAN; return the job id."""
    ran = stepgen("run", LESSON, *setup.where, *options)
    assert ran.exit_code == 0, ran.stderr + setup.logs()
    job = job_of(ran.stdout)
    assert "PLAN        created  v1" in ran.stdout
    assert f"job {job} waits for approval of PLAN:" in ran.stdout
    assert f"stepgen approve {job} PLAN --temporal {setup.server.address}" in ran.stdout
    stored = state(setup.db_url, job)
    assert (stored["status"], stored["stage"]) == ("WAITING_APPROVAL", "PLAN")
    assert stored["approvals"] == {"PLAN": ("PENDING", None)}
    assert setup.server.status(job) == "RUNNING"
    return job


def test_approvals_by_signal_run_the_job_on(make_setup: MakeSetup, db_url: str) -> None:
    setup = make_setup(db_url)
    setup.cli_worker()
    job = started(setup, "--until", "PAGES")
    # The service's payload, sent before NARRATION asks: kept until it does.
    setup.server.signal(job, "approveStage", {"stage": "NARRATION"})

    approved = stepgen("approve", job, "PLAN", "--comment", "fine", *setup.where)

    assert approved.exit_code == 0, approved.stderr + setup.logs()
    lines = approved.stdout.splitlines()
    assert lines[0] == f"approved PLAN of job {job}: fine"
    assert [line.split()[0] for line in lines[1:5]] == STAGES[1:5]
    assert "NARRATION   created  v1" in approved.stdout
    assert f"job {job} waits for approval of PAGES:" in approved.stdout
    stored = wait_for(db_url, job, "WAITING_APPROVAL", "PAGES")
    assert stored["approvals"] == {
        "PLAN": ("APPROVED", "fine"),
        "NARRATION": ("APPROVED", None),
        "PAGES": ("PENDING", None),
    }

    finished = stepgen("approve", job, "PAGES", *setup.where)

    assert finished.exit_code == 0, finished.stderr + setup.logs()
    assert finished.stdout == (
        f"approved PAGES of job {job}\n" f"job {job} is RUNNING (stopped after PAGES)\n"
    )
    stored = state(db_url, job)
    assert (stored["status"], stored["stage"], stored["error"]) == (
        "RUNNING",
        "PAGES",
        None,
    )
    assert stored["approvals"]["PAGES"] == ("APPROVED", None)
    assert stored["versions"] == sorted((stage, 1) for stage in STAGES[:5])
    assert setup.server.status(job) == "COMPLETED"


def test_a_rejection_with_its_reason_fails_the_job(
    make_setup: MakeSetup, sqlite_url: str
) -> None:
    setup = make_setup(sqlite_url)
    setup.cli_worker()
    job = started(setup)

    rejected = stepgen("reject", job, "PLAN", "--reason", "too vague", *setup.where)

    assert rejected.exit_code == 0, rejected.stderr + setup.logs()
    assert rejected.stdout == f"rejected PLAN of job {job}: too vague\n"
    stored = state(sqlite_url, job)
    assert (stored["status"], stored["stage"], stored["error"]) == (
        "FAILED",
        "PLAN",
        "stage PLAN was rejected: too vague",
    )
    assert stored["approvals"] == {"PLAN": ("REJECTED", "too vague")}
    assert stored["versions"] == [("PLAN", 1)]
    assert setup.server.status(job) == "FAILED"


def test_the_services_rejection_without_a_reason(
    make_setup: MakeSetup, sqlite_url: str
) -> None:
    setup = make_setup(sqlite_url)
    setup.cli_worker()
    job = started(setup)

    setup.server.signal(job, "rejectStage", {"stage": "PLAN"})

    stored = wait_for(sqlite_url, job, "FAILED", "PLAN")
    assert stored["error"] == "stage PLAN was rejected"
    assert stored["approvals"] == {"PLAN": ("REJECTED", None)}
    deadline = time.monotonic() + 30
    while setup.server.status(job) == "RUNNING":
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert setup.server.status(job) == "FAILED"


def test_a_decision_the_workflow_does_not_wait_for_is_refused(
    make_setup: MakeSetup, sqlite_url: str
) -> None:
    setup = make_setup(sqlite_url)
    setup.cli_worker()
    job = started(setup)

    early = stepgen("approve", job, "NARRATION", *setup.where)
    unknown = stepgen("approve", "no-such-job", "PLAN", *setup.where)

    assert early.exit_code == 2
    assert early.stderr == (
        f"error: job {job}, stage NARRATION: the workflow does not wait for this "
        "approval (it is waiting at PLAN)\n"
    )
    assert unknown.exit_code == 2
    assert unknown.stderr == (
        "error: no workflow has the id video-generation-no-such-job\n"
    )
    assert state(sqlite_url, job)["approvals"] == {"PLAN": ("PENDING", None)}


def test_options_are_checked_before_temporal_is_asked() -> None:
    queue_alone = invoke("run", LESSON, "--task-queue", "q")
    no_approval = invoke("approve", "job", "OUTLINE", "--temporal", "127.0.0.1:1")
    late_auto = invoke("approve", "job", "PLAN", "--temporal", "x:1", "--auto-approve")

    assert (queue_alone.exit_code, queue_alone.stderr) == (
        2,
        "error: --task-queue needs --temporal ADDRESS\n",
    )
    assert (no_approval.exit_code, no_approval.stderr) == (
        2,
        "error: job job, stage OUTLINE: this stage does not need approval\n",
    )
    assert (late_auto.exit_code, late_auto.stderr) == (
        2,
        "error: --until and --auto-approve are set when the workflow starts\n",
    )
