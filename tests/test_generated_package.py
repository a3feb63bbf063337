"""Generate the nine-stage package, import it, and validate sample artifacts.

Each sample is checked by the generated pydantic model and by the ``jsonschema``
library on the step's published schema; both must give the expected verdict.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from pydantic import ValidationError
from stepgen.api import generate
from stepgen_runtime import StepDefinition, StepType
from stepgen_runtime.reference import reference_validator

from tests.conftest import MANIFEST
from tests.support import import_generated

SAMPLES = json.loads((Path(__file__).parent / "samples" / "outputs.json").read_text())
STAGES = list(SAMPLES)


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    out = tmp_path_factory.mktemp("generated")
    generate(MANIFEST, out)
    return import_generated(out, "rematrix_steps")


def _step(package: ModuleType, stage: str) -> StepDefinition:
    step: StepDefinition = package.get_step(stage)
    return step


def _schema_accepts(schema: dict[str, Any], data: Any) -> bool:
    return bool(reference_validator(schema).is_valid(data))


def test_registry_lists_the_nine_stages_in_order(package: ModuleType) -> None:
    stages = [step.stage for step in package.STEPS]

    assert stages == [
        "PLAN",
        "OUTLINE",
        "STORYBOARD",
        "NARRATION",
        "PAGES",
        "TTS",
        "RENDER",
        "MERGE",
        "DONE",
    ]
    assert list(package.JobStage) == stages
    assert [member.value for member in package.ArtifactType] == [
        "JSON",
        "MARKDOWN",
        "TEXT",
        "AUDIO",
        "IMAGE",
        "VIDEO",
        "SUBTITLES",
    ]


def test_step_definitions_carry_the_domain_values(package: ModuleType) -> None:
    narration = _step(package, "NARRATION")
    merge = _step(package, "MERGE")
    done = _step(package, "DONE")

    assert narration.type is StepType.AI_GENERATION
    assert narration.config.model == "google/gemini-3.0-flash"
    assert narration.config.temperature == 0.6
    assert narration.execution.requires_approval is True
    assert narration.execution.timeout_ms == 150000
    assert narration.input.sources == ("STORYBOARD",)
    assert narration.input.job == ("markdown",)
    assert merge.input.sources == ("RENDER", "TTS")
    assert merge.output.artifact_type == "VIDEO"
    assert merge.config.model is None
    assert merge.execution.retry_policy is not None
    assert merge.execution.retry_policy.max_attempts == 2
    assert merge.execution.retry_policy.backoff_ms == 5000
    assert merge.execution.retry_policy.max_backoff_ms == 20000
    assert done.type is StepType.MERGE
    assert done.input.job == ("jobId",)


def test_ai_steps_carry_their_output_schema_for_structured_output(
    package: ModuleType,
) -> None:
    for step in package.STEPS:
        if step.type is StepType.AI_GENERATION:
            assert step.config.schema == step.output.schema
            assert step.config.schema["type"] == "object"
        else:
            assert step.config.schema is None


def test_definitions_are_immutable(package: ModuleType) -> None:
    step = _step(package, "PLAN")

    with pytest.raises(AttributeError):
        step.version = 2  # type: ignore[misc]
    step.output.schema["properties"] = {}
    assert step.output.schema["properties"] != {}


@pytest.mark.parametrize("stage", STAGES)
def test_valid_samples_pass_the_model_and_the_schema(
    package: ModuleType, stage: str
) -> None:
    step = _step(package, stage)

    for sample in SAMPLES[stage]["valid"]:
        assert _schema_accepts(step.output.schema, sample), sample
        model = step.output.model.model_validate(sample)
        dumped = model.model_dump(mode="json", by_alias=True)
        assert step.output.model.model_validate(dumped) == model


@pytest.mark.parametrize("stage", STAGES)
def test_invalid_samples_fail_the_model_and_the_schema(
    package: ModuleType, stage: str
) -> None:
    step = _step(package, stage)

    for case in SAMPLES[stage]["invalid"]:
        assert not _schema_accepts(step.output.schema, case["data"]), case["why"]
        with pytest.raises(ValidationError):
            step.output.model.model_validate(case["data"])


def test_input_models_take_source_outputs_and_job_inputs(package: ModuleType) -> None:
    outline = _step(package, "OUTLINE")
    plan = SAMPLES["PLAN"]["valid"][0]

    value = outline.input.model.model_validate({"plan": plan, "markdown": "# Lesson"})

    assert value.model_dump()["plan"]["estimatedPages"] == plan["estimatedPages"]
    with pytest.raises(ValidationError):
        outline.input.model.model_validate({"plan": plan})
    assert _schema_accepts(outline.input.schema, {"plan": plan, "markdown": "# L"})


def test_job_inputs_say_where_each_value_lives(package: ModuleType) -> None:
    assert package.JOB_INPUTS["markdown"].source == "config.markdown"
    assert package.JOB_INPUTS["jobId"].source == "id"
    assert package.JOB_INPUTS["jobId"].schema["format"] == "uuid"


def test_unknown_stage_is_a_clear_key_error(package: ModuleType) -> None:
    with pytest.raises(KeyError, match="no step for stage 'UPLOAD'"):
        package.get_step("UPLOAD")


def test_integers_beyond_the_safe_range_are_refused(package: ModuleType) -> None:
    merge = _step(package, "MERGE")
    sample = dict(SAMPLES["MERGE"]["valid"][0])
    sample["sourceRenderVersion"] = 2**53

    with pytest.raises(ValidationError):
        merge.output.model.model_validate(sample)
    sample["sourceRenderVersion"] = 2**53 - 1
    merge.output.model.model_validate(sample)


PAYLOADS = json.loads(
    (Path(__file__).parent / "samples" / "llm_payloads.json").read_text()
)


@pytest.mark.parametrize(
    "payload", PAYLOADS, ids=[f"{p['stage']}: {p['why']}" for p in PAYLOADS]
)
def test_model_style_payloads_get_the_written_verdict(
    package: ModuleType, payload: dict[str, Any]
) -> None:
    step = _step(package, payload["stage"])

    try:
        step.output.model.model_validate(payload["data"])
        pydantic_verdict = True
    except ValidationError:
        pydantic_verdict = False

    assert pydantic_verdict == payload["valid"]
    assert _schema_accepts(step.output.schema, payload["data"]) == payload["valid"]
