"""The eight defects of the first attempt (domain.md), each shown unable to happen."""

from __future__ import annotations

import dataclasses
import hashlib
import inspect
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import rematrix_steps
from stepgen_runtime.app import Runtime
from stepgen_runtime.clients import ModelRequest, OfflineClient
from stepgen_runtime.configs import ConfigService, default_config
from stepgen_runtime.definitions import Execution, RetryPolicy
from stepgen_runtime.errors import (
    ApprovalError,
    RegistryError,
    StageFailed,
    UnknownStage,
)
from stepgen_runtime.executor import Executor
from stepgen_runtime.inputs import canonical_json, gather_inputs, inputs_hash
from stepgen_runtime.processors import BUILTIN, Produced, StageContext
from stepgen_runtime.prompting import assemble_prompt
from stepgen_runtime.registry import StepRegistry
from stepgen_runtime.rules import config_problems, schema_problems

from tests.conftest import invoke
from tests.runtime.conftest import ScriptedClient, Sleeps

OpenRuntime = Callable[..., Runtime]
MakeClient = Callable[..., ScriptedClient]


def latest(runtime: Runtime, job_id: str) -> dict[str, Any]:
    return {item.stage: item for item in runtime.jobs.latest_artifacts(job_id)}


def count(runtime: Runtime, job_id: str, stage: str) -> int:
    return sum(1 for item in runtime.jobs.artifacts(job_id) if item.stage == stage)


# 1. Step definitions were checked with a schema that rejected their schema objects.


def test_1_every_definition_loads_with_its_schema_objects() -> None:
    registry = StepRegistry.from_package("rematrix_steps")

    assert len(registry) == 9
    for step in registry:
        assert schema_problems(step.input.schema) == []
        assert schema_problems(step.output.schema) == []
        if step.is_ai:
            assert step.config.schema == step.output.schema
            assert schema_problems(step.config.schema) == []
            config = default_config(step)
            found = config_problems(
                step,
                registry.variables(step.stage),
                registry.models,
                model=config.model,
                temperature=config.temperature,
                prompt=config.prompt,
                tools=config.tools,
                schema=config.schema,
            )
            assert found == []


def test_1_a_broken_schema_object_is_still_refused() -> None:
    plan = rematrix_steps.get_step("PLAN")
    broken = dataclasses.replace(
        plan,
        output=dataclasses.replace(
            plan.output, schema_json='{"type": "object", "minProperties": -1}'
        ),
    )

    with pytest.raises(RegistryError, match=r"output\.schema: not a valid JSON Schema"):
        StepRegistry([broken], models=rematrix_steps.MODELS)


# 2. Steps were never registered; the module was never wired in.


def test_2_the_runtime_runs_exactly_the_generated_steps(
    open_rt: OpenRuntime, lesson: str
) -> None:
    runtime = open_rt()

    assert runtime.registry.stages() == tuple(str(s) for s in rematrix_steps.JobStage)
    assert [s.version for s in runtime.registry] == [
        s.version for s in rematrix_steps.STEPS
    ]
    with pytest.raises(
        RegistryError, match="no processor is registered for TTS, RENDER, MERGE, DONE"
    ):
        Executor(
            runtime.jobs,
            runtime.registry,
            runtime.configs,
            client=OfflineClient(),
            processors={},
            blobs=runtime.blobs,
        )
    job = runtime.pipeline.start(lesson)
    runtime.registry.remove("DONE")
    with pytest.raises(UnknownStage, match="'DONE'"):
        runtime.executor.run_stage(job.id, "DONE")


# 3. The workflow called approval functions that no longer existed.


def test_3_the_next_stage_runs_only_after_approval_given_in_the_cli(
    open_rt: OpenRuntime, db_url: str, lesson: str
) -> None:
    runtime = open_rt()
    job = runtime.pipeline.start(lesson)

    report = runtime.pipeline.advance(job.id)
    assert (report.reason, report.stage, report.job_status) == (
        "waiting",
        "PLAN",
        "WAITING_APPROVAL",
    )
    assert runtime.jobs.approvals(job.id)["PLAN"].status == "PENDING"
    with pytest.raises(
        ApprovalError, match=r"PLAN must be approved first \(it is PENDING\)"
    ):
        runtime.executor.run_stage(job.id, "OUTLINE")
    assert count(runtime, job.id, "OUTLINE") == 0

    result = invoke("approve", job.id, "PLAN", "--db", db_url, "--no-continue")
    assert result.exit_code == 0, result.stderr
    assert runtime.jobs.approvals(job.id)["PLAN"].status == "APPROVED"
    assert runtime.jobs.get_job(job.id).status == "RUNNING"
    assert runtime.executor.run_stage(job.id, "OUTLINE").outcome == "created"


def test_3_a_rejection_is_recorded_with_its_reason(
    open_rt: OpenRuntime, db_url: str, lesson: str
) -> None:
    runtime = open_rt()
    job = runtime.pipeline.start(lesson)
    runtime.pipeline.advance(job.id)

    result = invoke("reject", job.id, "PLAN", "--reason", "too long", "--db", db_url)
    assert result.exit_code == 0, result.stderr
    approval = runtime.jobs.approvals(job.id)["PLAN"]
    assert (approval.status, approval.comment) == ("REJECTED", "too long")
    stored = runtime.jobs.get_job(job.id)
    assert (stored.status, stored.error) == (
        "FAILED",
        "stage PLAN was rejected: too long",
    )

    resumed = invoke("resume", job.id, "--db", db_url)
    assert resumed.exit_code == 1
    assert f"job {job.id} rejected at PLAN" in resumed.stderr
    assert count(runtime, job.id, "OUTLINE") == 0
    again = invoke("approve", job.id, "PLAN", "--db", db_url)
    assert again.exit_code == 2
    assert "the approval is already REJECTED" in again.stderr


# 4. Inputs were read only from JSON artifacts.


def test_4_inputs_come_from_every_artifact_type_and_the_job(
    open_rt: OpenRuntime, lesson: str
) -> None:
    runtime = open_rt()
    job = runtime.pipeline.start(lesson)
    assert runtime.pipeline.advance(job.id, auto_approve=True).reason == "completed"
    made = latest(runtime, job.id)
    stored = runtime.jobs.get_job(job.id)

    merge = gather_inputs(
        runtime.jobs, runtime.registry, stored, runtime.registry.get("MERGE")
    )
    assert merge.sources["RENDER"].artifact_type == "IMAGE"
    assert merge.sources["TTS"].artifact_type == "AUDIO"
    assert merge.values == {
        "render": made["RENDER"].content,
        "tts": made["TTS"].content,
    }
    assert merge.blob_refs == {
        "RENDER": made["RENDER"].blob_url,
        "TTS": made["TTS"].blob_url,
    }
    assert made["TTS"].blob_url.endswith("/narration.wav")
    done = gather_inputs(
        runtime.jobs, runtime.registry, stored, runtime.registry.get("DONE")
    )
    assert done.values["jobId"] == job.id
    assert made["DONE"].content["jobId"] == job.id

    text = assemble_prompt(
        "<render_outputs> <tts_outputs>", runtime.registry.get("MERGE"), merge, {}
    )
    assert "# RENDER(OUTPUTS)\n\nBlob: file://" in text
    assert f"# TTS(OUTPUTS)\n\nBlob: {made['TTS'].blob_url}" in text


# 5. Source versions were hard-coded; MERGE used placeholder audio.


class Retold(OfflineClient):
    """The offline client, with every narration page told once more."""

    def complete(self, request: ModelRequest) -> dict[str, Any]:
        answer = super().complete(request)
        if request.stage == "NARRATION":
            for page in answer["pages"]:
                page["text"] += " Once more."
        return answer


def test_5_versions_and_audio_come_from_the_artifacts_used(
    open_rt: OpenRuntime, lesson: str
) -> None:
    first = open_rt()
    job = first.pipeline.start(lesson)
    first.pipeline.advance(job.id, auto_approve=True)
    old_audio = latest(first, job.id)["TTS"].blob_url

    second = open_rt(client=Retold())
    narration = second.registry.get("NARRATION").config
    row = second.configs.create(
        "NARRATION", model=narration.model, temperature=0.9, prompt=narration.prompt
    )
    second.configs.publish(row.id)
    report = second.pipeline.advance(job.id, auto_approve=True)

    assert [(e.stage, e.outcome, e.version) for e in report.events] == [
        ("PLAN", "reused", 1),
        ("OUTLINE", "reused", 1),
        ("STORYBOARD", "reused", 1),
        ("NARRATION", "created", 2),
        ("PAGES", "created", 2),
        ("TTS", "created", 2),
        ("RENDER", "created", 2),
        ("MERGE", "created", 2),
        ("DONE", "created", 2),
    ]
    made = latest(second, job.id)
    assert made["TTS"].content["sourceNarrationVersion"] == 2
    assert made["RENDER"].content["sourcePagesVersion"] == 2
    merge = made["MERGE"]
    assert (
        merge.content["sourceRenderVersion"],
        merge.content["sourceTtsVersion"],
    ) == (2, 2)
    assert merge.meta["sourceVersions"] == {"RENDER": 2, "TTS": 2}
    timeline = json.loads(Path(merge.blob_url.removeprefix("file://")).read_text())
    audio = Path(made["TTS"].blob_url.removeprefix("file://")).read_bytes()
    assert made["TTS"].blob_url != old_audio
    assert timeline["audio"]["blobUrl"] == made["TTS"].blob_url
    assert timeline["audio"]["sha256"] == hashlib.sha256(audio).hexdigest()
    versions = {
        e["stage"]: e["version"] for e in made["DONE"].content["summary"]["artifacts"]
    }
    assert versions == {
        "PLAN": 1,
        "OUTLINE": 1,
        "STORYBOARD": 1,
        "NARRATION": 2,
        "PAGES": 2,
        "TTS": 2,
        "RENDER": 2,
        "MERGE": 2,
    }


def test_5_merge_never_substitutes_missing_audio(
    open_rt: OpenRuntime, lesson: str
) -> None:
    runtime = open_rt()
    job = runtime.pipeline.start(lesson)
    runtime.pipeline.advance(job.id, auto_approve=True, until="RENDER")
    Path(latest(runtime, job.id)["TTS"].blob_url.removeprefix("file://")).unlink()

    report = runtime.pipeline.advance(job.id, auto_approve=True)

    assert (report.reason, report.stage, report.job_status) == (
        "failed",
        "MERGE",
        "FAILED",
    )
    assert "cannot read the TTS audio" in (report.error or "")
    assert count(runtime, job.id, "MERGE") == 0


# 6. An asynchronous configuration lookup was used without waiting for it.


def test_6_a_published_configuration_is_used_at_once(
    open_rt: OpenRuntime, lesson: str, scripted: MakeClient
) -> None:
    client = scripted()
    runtime = open_rt(client=client)
    prompt = rematrix_steps.get_step("PLAN").config.prompt + "\nKeep the plan short.\n"
    row = runtime.configs.create(
        "PLAN", model="openai/gpt-4o-mini", temperature=0.2, prompt=prompt
    )
    runtime.configs.publish(row.id)
    job = runtime.pipeline.start(lesson)

    run = runtime.executor.run_stage(job.id, "PLAN")

    assert not inspect.iscoroutinefunction(ConfigService.resolve)
    (request,) = client.requests
    assert (request.model, request.temperature) == ("openai/gpt-4o-mini", 0.2)
    assert request.prompt.startswith(prompt.rstrip() + "\n\n# Markdown\n\n# Adding")
    meta = run.artifact.meta
    assert (meta["promptConfigId"], meta["model"], meta["temperature"]) == (
        row.id,
        "openai/gpt-4o-mini",
        0.2,
    )


# 7. The inputs hash included a timestamp, so identical work was never reused.


def test_7_identical_work_is_found_and_reused(
    open_rt: OpenRuntime, lesson: str, scripted: MakeClient
) -> None:
    client = scripted()
    runtime = open_rt(client=client)
    job = runtime.pipeline.start(lesson)
    first = runtime.executor.run_stage(job.id, "PLAN")

    again = runtime.executor.run_stage(job.id, "PLAN")
    other_job = runtime.pipeline.start(lesson)
    elsewhere = runtime.executor.run_stage(other_job.id, "PLAN")

    assert (again.outcome, again.artifact.id) == ("reused", first.artifact.id)
    assert count(runtime, job.id, "PLAN") == 1
    assert client.calls("PLAN") == 2
    digest = first.artifact.meta["inputsHash"]
    assert elsewhere.artifact.meta["inputsHash"] == digest
    step = runtime.registry.get("PLAN")
    gathered = gather_inputs(
        runtime.jobs, runtime.registry, runtime.jobs.get_job(job.id), step
    )
    config = runtime.configs.resolve("PLAN")
    assert inputs_hash(gathered, config, step.version, "offline") == digest
    assert canonical_json({"b": [1, {"d": 1, "c": 2}], "a": "é"}) == (
        '{"a":"é","b":[1,{"c":2,"d":1}]}'
    )

    row = runtime.configs.create(
        "PLAN", model="openai/gpt-4o", temperature=0.7, prompt=step.config.prompt
    )
    runtime.configs.publish(row.id)
    changed = runtime.executor.run_stage(job.id, "PLAN")
    assert (changed.outcome, changed.artifact.version) == ("created", 2)
    assert changed.artifact.meta["inputsHash"] != digest


# 8. Per-step retry policies and time limits never reached the workflow engine.


def test_8_each_step_retries_as_its_policy_says(
    open_rt: OpenRuntime, lesson: str, scripted: MakeClient, sleeps: Sleeps
) -> None:
    attempts: list[str] = []

    def broken_tts(context: StageContext) -> Produced:
        attempts.append(context.step.stage)
        raise OSError("speech engine unavailable")

    client = scripted(always_fail=frozenset({"PLAN"}))
    runtime = open_rt(client=client, processors={**BUILTIN, "TTS": broken_tts})
    job = runtime.pipeline.start(lesson)

    with pytest.raises(StageFailed, match="PLAN failed after 3 attempts"):
        runtime.executor.run_stage(job.id, "PLAN")
    assert client.calls("PLAN") == 3
    assert sleeps == [1.0, 2.0]

    sleeps.clear()
    healthy = open_rt(processors={**BUILTIN, "TTS": broken_tts})
    report = healthy.pipeline.advance(job.id, auto_approve=True)
    assert (report.stage, report.reason) == ("TTS", "failed")
    assert "TTS failed after 2 attempts: speech engine unavailable" in (
        report.error or ""
    )
    assert attempts == ["TTS", "TTS"]
    assert sleeps == [2.0]


def test_8_a_changed_policy_and_time_limit_take_effect(
    open_rt: OpenRuntime, lesson: str, scripted: MakeClient, sleeps: Sleeps
) -> None:
    registry = StepRegistry.from_package("rematrix_steps")
    plan = registry.get("PLAN")
    policy = RetryPolicy(max_attempts=4, backoff_ms=10, max_backoff_ms=15)
    registry.add(
        dataclasses.replace(plan, execution=Execution(True, policy, timeout_ms=50)),
        replace=True,
    )
    client = scripted(hang=frozenset({"PLAN"}))
    runtime = open_rt(steps=registry, client=client)
    job = runtime.pipeline.start(lesson)

    with pytest.raises(StageFailed) as caught:
        runtime.executor.run_stage(job.id, "PLAN")

    assert str(caught.value) == (
        "stage PLAN failed after 4 attempts: stage PLAN ran past its time limit of 50 ms"
    )
    assert client.calls("PLAN") == 4
    assert sleeps == [0.01, 0.015, 0.015]
    assert runtime.jobs.get_job(job.id).status == "FAILED"
    assert count(runtime, job.id, "PLAN") == 0
