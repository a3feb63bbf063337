"""How a run writes: the job's state while each stage runs, and one transaction a stage."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from stepgen_runtime.app import Runtime
from stepgen_runtime.attempts import within
from stepgen_runtime.clients import ModelRequest, OfflineClient
from stepgen_runtime.db.rows import Job
from stepgen_runtime.definitions import Execution
from stepgen_runtime.errors import StageTimeout
from stepgen_runtime.pipeline import AUTO_APPROVED
from stepgen_runtime.registry import StepRegistry

from tests.runtime.conftest import STAGES

OpenRuntime = Callable[..., Runtime]
AI_STAGES = STAGES[: STAGES.index("PAGES") + 1]


class Watching(OfflineClient):
    """The offline client, noting the job's status and current stage at each call."""

    def __init__(self) -> None:
        super().__init__()
        self.look: Callable[[], Job] | None = None
        self.seen: dict[str, tuple[str, str]] = {}

    def complete(self, request: ModelRequest) -> dict[str, Any]:
        """Note the job's state, then answer as the offline client does."""
        assert self.look is not None
        job = self.look()
        self.seen[request.stage] = (job.status, job.current_stage)
        return super().complete(request)


def count_write_transactions(engine: sa.Engine) -> list[int]:
    """A list that grows by one at each commit of a transaction that wrote a row."""
    committed: list[int] = []

    @sa.event.listens_for(engine, "before_cursor_execute")
    def note(connection: sa.Connection, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().split(None, 1)[0].upper() in {"INSERT", "UPDATE"}:
            connection.info["wrote"] = True

    @sa.event.listens_for(engine, "commit")
    def commit(connection: sa.Connection) -> None:
        if connection.info.pop("wrote", False):
            committed.append(1)

    @sa.event.listens_for(engine, "rollback")
    def rollback(connection: sa.Connection) -> None:
        connection.info.pop("wrote", None)

    return committed


def test_each_stage_runs_with_the_job_running_at_that_stage(
    open_rt: OpenRuntime, lesson: str
) -> None:
    client = Watching()
    runtime = open_rt(client=client)
    job = runtime.pipeline.start(lesson)
    client.look = lambda: runtime.jobs.get_job(job.id)

    report = runtime.pipeline.advance(job.id, auto_approve=True, until="PAGES")

    assert report.reason == "until"
    assert client.seen == {stage: ("RUNNING", stage) for stage in AI_STAGES}
    stopped = runtime.jobs.get_job(job.id)
    assert (stopped.status, stopped.current_stage) == ("RUNNING", "PAGES")


def test_an_auto_approval_is_written_with_the_output(
    open_rt: OpenRuntime, lesson: str
) -> None:
    runtime = open_rt()
    job = runtime.pipeline.start(lesson)
    writes = count_write_transactions(runtime.database.engine)

    report = runtime.pipeline.advance(job.id, auto_approve=True, until="PAGES")

    # The first stage sets the DRAFT job RUNNING before its model call; then each
    # stage writes its artifact, its approval and the job's state (handing the job
    # to the next stage) in one transaction.
    assert len(writes) == 1 + len(AI_STAGES)
    asked = [e.stage for e in report.events if e.approval is not None]
    assert asked == ["PLAN", "NARRATION", "PAGES"]
    assert {e.approval for e in report.events if e.approval} == {"APPROVED"}
    approvals = runtime.jobs.approvals(job.id)
    assert {stage: (a.status, a.comment) for stage, a in approvals.items()} == {
        stage: ("APPROVED", AUTO_APPROVED) for stage in asked
    }


def test_a_run_resumed_after_approval_reuses_and_writes_once_per_stage(
    open_rt: OpenRuntime, lesson: str
) -> None:
    runtime = open_rt()
    job = runtime.pipeline.start(lesson)
    assert runtime.pipeline.advance(job.id).reason == "waiting"
    runtime.pipeline.approve(job.id, "PLAN")
    writes = count_write_transactions(runtime.database.engine)

    report = runtime.pipeline.advance(job.id)

    assert [(e.stage, e.outcome, e.approval) for e in report.events] == [
        ("PLAN", "reused", "APPROVED"),
        ("OUTLINE", "created", None),
        ("STORYBOARD", "created", None),
        ("NARRATION", "created", "PENDING"),
    ]
    assert len(writes) == 4
    waiting = runtime.jobs.get_job(job.id)
    assert (waiting.status, waiting.current_stage) == ("WAITING_APPROVAL", "NARRATION")


def test_an_overrun_attempt_keeps_its_thread_and_the_next_gets_another() -> None:
    plan = StepRegistry.from_package("rematrix_steps").get("PLAN")
    step = dataclasses.replace(plan, execution=Execution(False, None, timeout_ms=50))
    started, release = threading.Event(), threading.Event()
    threads: list[int] = []

    def hang() -> str:
        threads.append(threading.get_ident())
        started.set()
        release.wait(30)
        return "too late"

    try:
        with pytest.raises(StageTimeout, match="ran past its time limit of 50 ms"):
            within(step, hang)
        assert started.wait(30)
        assert within(step, threading.get_ident) != threads[0]
        assert within(step, lambda: "in time") == "in time"
    finally:
        release.set()
