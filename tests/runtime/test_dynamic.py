"""Steps registered at run time: from a manifest fragment or written in Python, checked
like generated steps, run by the executor, and removed again."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from stepgen_runtime.app import Runtime
from stepgen_runtime.definitions import (
    Execution,
    StepConfig,
    StepDefinition,
    StepInput,
    StepOutput,
    StepType,
)
from stepgen_runtime.dynamic import load_fragment, schema_model, step_from_fragment
from stepgen_runtime.errors import RegistryError
from stepgen_runtime.processors import BUILTIN, Produced, StageContext
from stepgen_runtime.registry import StepRegistry

OpenRuntime = Callable[..., Runtime]
FRAGMENT = Path(__file__).parent / "fixtures" / "fragments" / "done-summary.json"


def video_seconds(context: StageContext) -> Produced:
    """The processor of the dynamic DONE stage."""
    merge = context.inputs.values["merge"]
    content = {
        "status": "completed",
        "jobId": context.inputs.values["jobId"],
        "videoSeconds": merge["durationSec"],
    }
    return Produced(content)


def _finish(runtime: Runtime, lesson: str) -> str:
    job = runtime.pipeline.start(lesson)
    runtime.pipeline.advance(job.id, auto_approve=True)
    return job.id


def test_a_fragment_step_replaces_done_and_runs_in_an_offline_job(
    open_rt: OpenRuntime, lesson: str
) -> None:
    registry = StepRegistry.from_package("rematrix_steps")
    dynamic = load_fragment(FRAGMENT)
    with pytest.raises(RegistryError, match="already registered"):
        registry.add(dynamic)
    registry.remove("DONE")
    registry.add(dynamic)
    runtime = open_rt(steps=registry, processors={**BUILTIN, "DONE": video_seconds})

    job_id = _finish(runtime, lesson)

    report = runtime.pipeline.status(job_id)
    assert report.job.status == "COMPLETED"
    done = runtime.jobs.latest_artifact(job_id, "DONE", "JSON")
    merge = runtime.jobs.latest_artifact(job_id, "MERGE", "VIDEO")
    assert done is not None and merge is not None
    assert done.content == {
        "status": "completed",
        "jobId": job_id,
        "videoSeconds": merge.content["durationSec"],
    }
    assert done.meta["stepVersion"] == 2
    assert registry.remove("DONE") is dynamic
    assert not registry.has("DONE")


def test_a_fragment_output_is_checked_against_its_schema() -> None:
    step = load_fragment(FRAGMENT)
    job_id = "3f2b8c1e-9a4d-4e8b-b1c2-0d9e8f7a6b5c"

    step.output.model.model_validate(
        {"status": "completed", "jobId": job_id, "videoSeconds": 3}
    )
    for wrong in (
        {"status": "done", "jobId": job_id, "videoSeconds": 3},
        {"status": "completed", "jobId": "job-1", "videoSeconds": 3},
        {"status": "completed", "jobId": job_id, "videoSeconds": -1},
        {"status": "completed", "jobId": job_id, "videoSeconds": 3, "extra": 1},
    ):
        with pytest.raises(ValueError):
            step.output.model.model_validate(wrong)


def test_a_broken_fragment_is_refused_with_the_place(tmp_path: Path) -> None:
    data = json.loads(FRAGMENT.read_text())
    data["stage"]["execution"]["retryPolicy"]["maxAttempts"] = 0
    del data["stage"]["name"]

    with pytest.raises(RegistryError) as caught:
        step_from_fragment(data, base=FRAGMENT.parent)

    assert "/stage/execution/retryPolicy/maxAttempts" in str(caught.value)
    assert "'name' is a required property" in str(caught.value)


def test_registration_checks_apply_to_dynamic_steps() -> None:
    registry = StepRegistry.from_package("rematrix_steps")
    data = json.loads(FRAGMENT.read_text())
    data["stage"]["input"]["sources"] = ["MERGE", "DONE"]
    registry.remove("DONE")

    with pytest.raises(RegistryError, match="reads its own output"):
        registry.add(step_from_fragment(data, base=FRAGMENT.parent))

    data["stage"]["stage"] = "UPLOAD"
    data["stage"]["input"]["sources"] = ["MERGE"]
    with pytest.raises(RegistryError, match="not a stage of this pipeline"):
        registry.add(step_from_fragment(data, base=FRAGMENT.parent))


def test_a_stage_others_read_cannot_be_removed() -> None:
    registry = StepRegistry.from_package("rematrix_steps")

    with pytest.raises(RegistryError, match="RENDER cannot be removed: MERGE read"):
        registry.remove("RENDER")


def test_a_step_written_in_python_replaces_a_generated_one(
    open_rt: OpenRuntime, lesson: str
) -> None:
    registry = StepRegistry.from_package("rematrix_steps")
    generated = registry.get("TTS")
    hand_written = StepDefinition(
        stage="TTS",
        name="Silent narration",
        description="Writes the audio the built-in processor writes, under a new version.",
        version=7,
        type=StepType.PROCESSING,
        config=StepConfig(prompt="Speaks <narration_json>."),
        input=StepInput(
            sources=("NARRATION",),
            job=(),
            model=generated.input.model,
            schema_json=generated.input.schema_json,
        ),
        output=StepOutput(
            artifact_type="AUDIO",
            model=generated.output.model,
            schema_json=generated.output.schema_json,
        ),
        execution=Execution(requires_approval=False, timeout_ms=10_000),
    )
    registry.add(hand_written, replace=True)
    runtime = open_rt(steps=registry)

    job_id = _finish(runtime, lesson)

    tts = runtime.jobs.latest_artifact(job_id, "TTS", "AUDIO")
    assert tts is not None
    assert tts.meta["stepVersion"] == 7
    assert runtime.pipeline.status(job_id).job.status == "COMPLETED"


def test_schema_models_judge_as_the_reference_validator_does() -> None:
    model = schema_model(
        "Colour",
        {"type": "object", "properties": {"hex": {"pattern": "^#[0-9a-f]{6}$"}}},
    )

    model.model_validate({"hex": "#00ff00"})
    with pytest.raises(ValueError):
        model.model_validate({"hex": "#00ff00\n"})
    assert model.__name__ == "Colour"
