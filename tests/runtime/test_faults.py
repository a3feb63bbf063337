"""Faults: flaky and failing models, a killed process, racing executors, bad databases."""

from __future__ import annotations

import dataclasses
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest
from stepgen_runtime.app import Runtime, open_runtime
from stepgen_runtime.clients import ModelRequest, OfflineClient
from stepgen_runtime.db.rows import now
from stepgen_runtime.db.tables import prompt_stage_active, prompt_stage_config
from stepgen_runtime.errors import DatabaseError, InvalidStoredConfig, StageFailed
from stepgen_runtime.executor import StageRun
from stepgen_runtime.registry import StepRegistry

from tests.conftest import invoke
from tests.runtime.conftest import (
    LESSONS,
    ScriptedClient,
    Sleeps,
    create_pg_database,
    drop_pg_database,
)

OpenRuntime = Callable[..., Runtime]
MakeClient = Callable[..., ScriptedClient]
STALL = Path(__file__).parent / "scripts" / "stall.py"


def versions(runtime: Runtime, job_id: str) -> list[tuple[str, str, int]]:
    return sorted((a.stage, a.type, a.version) for a in runtime.jobs.artifacts(job_id))


def test_a_model_failing_less_often_than_allowed_gives_one_artifact(
    open_rt: OpenRuntime, lesson: str, scripted: MakeClient, sleeps: Sleeps
) -> None:
    client = scripted(failures={"PLAN": 2})
    runtime = open_rt(client=client)
    job = runtime.pipeline.start(lesson)

    run = runtime.executor.run_stage(job.id, "PLAN")

    assert (run.outcome, run.attempts, run.artifact.version) == ("created", 3, 1)
    assert run.artifact.meta["attempts"] == 3
    assert versions(runtime, job.id) == [("PLAN", "JSON", 1)]
    assert sleeps == [1.0, 2.0]
    assert runtime.jobs.get_job(job.id).status == "WAITING_APPROVAL"


def test_a_model_failing_always_fails_the_job_and_writes_nothing(
    open_rt: OpenRuntime, lesson: str, scripted: MakeClient
) -> None:
    runtime = open_rt(client=scripted(always_fail=frozenset({"PLAN"})))
    job = runtime.pipeline.start(lesson)

    report = runtime.pipeline.advance(job.id)

    assert (report.reason, report.stage, report.job_status) == (
        "failed",
        "PLAN",
        "FAILED",
    )
    stored = runtime.jobs.get_job(job.id)
    assert stored.error == "stage PLAN failed after 3 attempts: scripted failure"
    assert versions(runtime, job.id) == []
    assert runtime.jobs.approvals(job.id) == {}

    healed = open_rt().pipeline.advance(job.id, until="PLAN")
    assert [(e.stage, e.outcome, e.version) for e in healed.events] == [
        ("PLAN", "created", 1)
    ]


def test_a_refusal_is_not_retried(
    open_rt: OpenRuntime, lesson: str, scripted: MakeClient, sleeps: Sleeps
) -> None:
    client = scripted(always_fail=frozenset({"PLAN"}), retryable=False)
    runtime = open_rt(client=client)
    job = runtime.pipeline.start(lesson)

    with pytest.raises(StageFailed, match="after 1 attempt: scripted failure"):
        runtime.executor.run_stage(job.id, "PLAN")
    assert client.calls("PLAN") == 1
    assert sleeps == []


def test_a_killed_process_resumes_without_duplicate_versions(
    db_url: str, tmp_path: Path, open_rt: OpenRuntime, lesson: str
) -> None:
    runtime = open_rt()
    job = runtime.pipeline.start(lesson)
    marker = tmp_path / "stalled"
    args = [
        str(STALL),
        db_url,
        str(tmp_path / "blobs"),
        job.id,
        "STORYBOARD",
        str(marker),
    ]
    process = subprocess.Popen([sys.executable, *args], start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists() and process.poll() is None:
            assert time.monotonic() < deadline, "the stage never started"
            time.sleep(0.05)
        assert process.poll() is None, "the process ended before it was killed"
        os.killpg(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    killed = runtime.jobs.get_job(job.id)
    assert (killed.status, killed.current_stage) == ("RUNNING", "STORYBOARD")
    assert versions(runtime, job.id) == [("OUTLINE", "JSON", 1), ("PLAN", "JSON", 1)]

    report = runtime.pipeline.advance(job.id, auto_approve=True)

    assert report.reason == "completed"
    assert [e.outcome for e in report.events[:3]] == ["reused", "reused", "created"]
    assert [version for _, _, version in versions(runtime, job.id)] == [1] * 9


class Meeting(OfflineClient):
    """The offline client, answering only when every racer has its answer ready."""

    def __init__(self, barrier: threading.Barrier) -> None:
        super().__init__()
        self.barrier = barrier

    def complete(self, request: ModelRequest) -> dict[str, Any]:
        answer = super().complete(request)
        self.barrier.wait(timeout=30)
        return answer


def race(runtimes: list[Runtime], job_id: str) -> list[StageRun]:
    results: list[Any] = [None] * len(runtimes)

    def run(index: int) -> None:
        try:
            results[index] = runtimes[index].executor.run_stage(job_id, "PLAN")
        except BaseException as error:
            results[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(runtimes))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for result in results:
        if not isinstance(result, StageRun):
            raise AssertionError(f"a racer failed: {result!r}")
    return results


def test_racing_executors_with_the_same_work_write_one_version(
    open_rt: OpenRuntime, lesson: str
) -> None:
    barrier = threading.Barrier(2)
    first, second = (open_rt(client=Meeting(barrier)) for _ in range(2))
    job = first.pipeline.start(lesson)

    runs = race([first, second], job.id)

    assert sorted(run.outcome for run in runs) == ["created", "reused"]
    assert runs[0].artifact.id == runs[1].artifact.id
    assert versions(first, job.id) == [("PLAN", "JSON", 1)]
    assert [run.approval for run in runs] == ["PENDING", "PENDING"]


def test_racing_executors_with_different_work_write_distinct_versions(
    open_rt: OpenRuntime, lesson: str
) -> None:
    barrier = threading.Barrier(3)
    runtimes = []
    for version in (1, 2, 3):
        registry = StepRegistry.from_package("rematrix_steps")
        registry.add(
            dataclasses.replace(registry.get("PLAN"), version=version), replace=True
        )
        runtimes.append(open_rt(steps=registry, client=Meeting(barrier)))
    job = runtimes[0].pipeline.start(lesson)

    runs = race(runtimes, job.id)

    assert [run.outcome for run in runs] == ["created"] * 3
    assert sorted(run.artifact.version for run in runs) == [1, 2, 3]
    assert versions(runtimes[0], job.id) == [("PLAN", "JSON", v) for v in (1, 2, 3)]


def test_a_broken_stored_configuration_is_a_clear_error(
    open_rt: OpenRuntime, db_url: str, lesson: str, tmp_path: Path
) -> None:
    runtime = open_rt()
    moment = now()
    # Written by another service, without the manifest's checks.
    with runtime.database.engine.begin() as connection:
        connection.execute(
            prompt_stage_config.insert().values(
                id="cfg-broken",
                stage="PLAN",
                model="acme/giant",
                temperature=3.5,
                prompt="Plan the {{lesson}}.",
                createdAt=moment,
                updatedAt=moment,
            )
        )
        connection.execute(
            prompt_stage_active.insert().values(
                stage="PLAN", activeConfigId="cfg-broken", updatedAt=moment
            )
        )
    job = runtime.pipeline.start(lesson)

    with pytest.raises(InvalidStoredConfig) as caught:
        runtime.executor.run_stage(job.id, "PLAN")

    error = caught.value
    assert (error.stage, error.config_id, error.field) == (
        "PLAN",
        "cfg-broken",
        "model",
    )
    assert [field for field, _ in error.problems] == [
        "model",
        "temperature",
        "prompt",
        "prompt",
    ]
    assert str(error).startswith(
        "the active prompt configuration 'cfg-broken' of stage PLAN is invalid: "
        "model: 'acme/giant' is not supported (supported: google/gemini-3.0-flash, "
    )
    assert "temperature: 3.5 is not a number from 0 to 2" in str(error)
    assert "the prompt does not mention <markdown>" in str(error)
    stored = runtime.jobs.get_job(job.id)
    assert (stored.status, stored.error) == ("FAILED", str(error))
    assert versions(runtime, job.id) == []

    checked = invoke("prompts", "validate", "--db", db_url)
    assert checked.exit_code == 2
    assert "PLAN        invalid  cfg-broken: model: 'acme/giant'" in checked.stdout
    assert "OUTLINE     ok       manifest default" in checked.stdout
    blobs = str(tmp_path / "blobs")
    ran = invoke("run", str(LESSONS / "fractions.md"), "--db", db_url, "--blobs", blobs)
    assert ran.exit_code == 1
    assert "invalid: model: 'acme/giant' is not supported" in ran.stderr


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_an_unreachable_postgresql_is_a_clear_error() -> None:
    port = free_port()
    url = f"postgresql://postgres:secret@127.0.0.1:{port}/rematrix"

    with pytest.raises(DatabaseError) as caught:
        open_runtime(url)

    message = str(caught.value)
    shown = f"postgresql+psycopg://postgres:***@127.0.0.1:{port}/rematrix"
    assert message.startswith(f"cannot reach the database at {shown}: ")
    assert "secret" not in message
    result = invoke("run", str(LESSONS / "fractions.md"), "--db", url)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: cannot reach the database at {shown}")


def test_a_postgresql_without_the_tables_is_refused_and_left_alone() -> None:
    url = create_pg_database(apply_ddl=False)
    try:
        with pytest.raises(
            DatabaseError, match="lacks the tables Job, Artifact, Approval"
        ):
            open_runtime(url)
        with psycopg.connect(url) as connection:
            tables = connection.execute(
                "SELECT count(*) FROM information_schema.tables "
                "WHERE table_schema = 'public'"
            ).fetchone()
        assert tables == (0,)
    finally:
        drop_pg_database(url)


def test_an_unusable_sqlite_file_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not a database file, not at all" * 100)

    with pytest.raises(DatabaseError, match="cannot create the folder of the database"):
        open_runtime(f"sqlite:///{blocker}/sub/stepgen.db")
    with pytest.raises(DatabaseError, match="cannot reach the database at sqlite:///"):
        open_runtime(f"sqlite:///{garbage}")
