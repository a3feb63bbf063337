"""A worker killed in the middle of a stage, and another one that finishes the job.

The first worker stalls in STORYBOARD, either inside the model call or right after the
artifact was written (before Temporal heard of it), and is killed with SIGKILL. Temporal
times the attempt out after the step's start-to-close timeout (2 s in
``quick_steps``) and gives the next attempt to a fresh ``stepgen worker``, which also
replays the workflow's history. The job ends with one version of every artifact: the
written STORYBOARD artifact is found again through its inputs hash.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable

import pytest
from stepgen_runtime.app import open_runtime
from stepgen_runtime.db.tables import job

from tests.runtime.conftest import STAGES, job_of
from tests.runtime.temporal.conftest import ENV, SCRIPTS, Setup
from tests.runtime.temporal.support import LESSON, attempts, calls, state

MakeSetup = Callable[[str], Setup]
QUICK = "tests.runtime.temporal.quick_steps"


@pytest.mark.parametrize(
    ("where", "database"),
    [("call", "sqlite"), ("write", "postgresql")],
)
def test_a_killed_worker_leaves_no_duplicate_when_another_finishes(
    make_setup: MakeSetup, request: pytest.FixtureRequest, where: str, database: str
) -> None:
    db_url: str = request.getfixturevalue(f"{database}_url")
    setup = make_setup(db_url)
    marker = setup.folder / "stalled"
    first = setup.scripted_worker(
        steps=QUICK,
        stall={"stage": "STORYBOARD", "where": where, "marker": str(marker)},
    )
    command = [str(SCRIPTS / "stepgen"), "run", LESSON, *setup.where]
    command += ["--steps", QUICK, "--auto-approve"]
    run = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert run.poll() is None, run.communicate()
            assert time.monotonic() < deadline, setup.logs()
            time.sleep(0.05)
        first.kill()
        killed = state(db_url, the_job(db_url))
        assert (killed["status"], killed["stage"]) == ("RUNNING", "STORYBOARD")
        before = [("OUTLINE", 1), ("PLAN", 1)]
        if where == "write":
            before.append(("STORYBOARD", 1))
        assert killed["versions"] == sorted(before)

        setup.cli_worker("--steps", QUICK)
        stdout, stderr = run.communicate(timeout=120)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait(timeout=30)

    assert run.returncode == 0, stderr + setup.logs()
    job = job_of(stdout)
    assert f"job {job} is COMPLETED (stopped after DONE)" in stdout
    stored = state(db_url, job)
    assert stored["status"] == "COMPLETED"
    assert stored["versions"] == sorted((stage, 1) for stage in STAGES)
    assert stored["attempts"]["STORYBOARD"] == (1 if where == "write" else 2)
    assert attempts(setup.server.history(job))["stage.STORYBOARD"] == 2
    made = calls(setup.calls)
    assert [len(made[stage]) for stage in STAGES[:3]] == [1, 1, 1]


def the_job(db_url: str) -> str:
    """The id of the one job in the test's database."""
    with open_runtime(db_url) as runtime, runtime.database.engine.connect() as c:
        (found,) = c.execute(job.select()).all()
    return str(found.id)


def test_a_worker_stops_on_sigterm_and_says_so(
    make_setup: MakeSetup, sqlite_url: str
) -> None:
    setup = make_setup(sqlite_url)
    worker = setup.cli_worker()

    os.killpg(worker.process.pid, signal.SIGTERM)

    assert worker.process.wait(timeout=30) == 0, worker.output()
    assert worker.output().splitlines()[-1] == "worker stopped"
