"""What the pipeline refuses: wrong approvals, canceled jobs, unknown jobs and stages."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from stepgen_runtime.app import Runtime
from stepgen_runtime.errors import ApprovalError, JobError, UnknownStage

from tests.conftest import invoke

OpenRuntime = Callable[..., Runtime]


def test_only_a_pending_approval_of_an_approval_stage_can_be_decided(
    open_rt: OpenRuntime, lesson: str
) -> None:
    runtime = open_rt()
    job = runtime.pipeline.start(lesson)

    with pytest.raises(ApprovalError, match="no approval was requested"):
        runtime.pipeline.approve(job.id, "PLAN")
    runtime.pipeline.advance(job.id)
    with pytest.raises(
        ApprovalError, match="OUTLINE: this stage does not need approval"
    ):
        runtime.pipeline.approve(job.id, "OUTLINE")
    with pytest.raises(ApprovalError, match="a rejection needs a reason"):
        runtime.pipeline.reject(job.id, "PLAN", "  ")
    assert runtime.jobs.approvals(job.id)["PLAN"].status == "PENDING"

    runtime.pipeline.approve(job.id, "PLAN", "fine")
    with pytest.raises(ApprovalError, match="the approval is already APPROVED"):
        runtime.pipeline.approve(job.id, "PLAN")
    assert runtime.jobs.approvals(job.id)["PLAN"].comment == "fine"


def test_a_new_output_asks_for_approval_again(
    open_rt: OpenRuntime, lesson: str
) -> None:
    runtime = open_rt()
    job = runtime.pipeline.start(lesson)
    runtime.pipeline.advance(job.id, auto_approve=True, until="OUTLINE")
    plan = runtime.registry.get("PLAN").config
    row = runtime.configs.create(
        "PLAN", model="openai/gpt-4o", temperature=0.1, prompt=plan.prompt
    )
    runtime.configs.publish(row.id)

    report = runtime.pipeline.advance(job.id)

    assert (report.reason, report.stage) == ("waiting", "PLAN")
    assert [(e.outcome, e.version) for e in report.events] == [("created", 2)]
    assert runtime.jobs.approvals(job.id)["PLAN"].status == "PENDING"


def test_a_canceled_job_does_not_run(open_rt: OpenRuntime, lesson: str) -> None:
    runtime = open_rt()
    job = runtime.pipeline.start(lesson)
    runtime.jobs.set_state(job.id, "CANCELED", "PLAN")

    with pytest.raises(JobError, match="was canceled"):
        runtime.pipeline.advance(job.id)
    assert runtime.jobs.artifacts(job.id) == []


def test_unknown_jobs_and_stages_are_named(
    open_rt: OpenRuntime, db_url: str, lesson: str
) -> None:
    runtime = open_rt()
    job = runtime.pipeline.start(lesson)

    with pytest.raises(UnknownStage, match="'LAST'"):
        runtime.pipeline.advance(job.id, until="LAST")
    with pytest.raises(JobError, match="the lesson is empty"):
        runtime.pipeline.start(" \n")
    missing = "00000000-0000-4000-8000-000000000000"
    result = invoke("status", missing, "--db", db_url)
    assert result.exit_code == 2
    assert result.stderr == f"error: no job has the id '{missing}'\n"
    approve = invoke("approve", job.id, "RENDER", "--db", db_url)
    assert approve.exit_code == 2
    assert "RENDER: this stage does not need approval" in approve.stderr
