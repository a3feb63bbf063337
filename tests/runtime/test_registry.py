"""The step registry: built from the generated package, changed only explicitly."""

from __future__ import annotations

import dataclasses

import pytest
import rematrix_steps
from stepgen_runtime.definitions import StepDefinition
from stepgen_runtime.errors import RegistryError, UnknownStage
from stepgen_runtime.registry import StepRegistry

ORDER = [
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


def with_sources(step: StepDefinition, *sources: str) -> StepDefinition:
    return dataclasses.replace(
        step, input=dataclasses.replace(step.input, sources=tuple(sources))
    )


@pytest.fixture
def registry() -> StepRegistry:
    return StepRegistry.from_package("rematrix_steps")


def test_the_package_registers_nine_steps_in_order(registry: StepRegistry) -> None:
    assert list(registry.stages()) == ORDER
    assert [step.stage for step in registry] == ORDER
    assert registry.models == rematrix_steps.MODELS
    assert set(registry.job_inputs) == {"markdown", "jobId"}


def test_sources_dependents_and_variables(registry: StepRegistry) -> None:
    assert [step.stage for step in registry.sources("MERGE")] == ["RENDER", "TTS"]
    assert registry.dependents("STORYBOARD") == ("NARRATION", "PAGES")
    assert registry.dependents("DONE") == ()
    assert registry.variables("OUTLINE") == ("<plan_json>", "<markdown>")
    assert registry.variables("MERGE") == ("<render_outputs>", "<tts_outputs>")
    assert registry.variables("DONE") == ("<merge_outputs>", "<job_id>")


def test_statistics_count_by_type_and_approval(registry: StepRegistry) -> None:
    stats = registry.stats()

    assert stats.total == 9
    assert stats.by_type == {"AI_GENERATION": 5, "PROCESSING": 3, "MERGE": 1}
    assert stats.by_approval == {"requiresApproval": 3, "automatic": 6}


def test_adding_an_existing_stage_needs_replace(registry: StepRegistry) -> None:
    plan = registry.get("PLAN")

    with pytest.raises(RegistryError, match="PLAN is already registered"):
        registry.add(plan)
    changed = dataclasses.replace(plan, description="another description")
    registry.add(changed, replace=True)
    assert registry.get("PLAN").description == "another description"
    assert len(registry) == 9


def test_replacing_with_another_output_is_refused_while_read(
    registry: StepRegistry,
) -> None:
    plan = registry.get("PLAN")
    other = dataclasses.replace(
        plan, output=dataclasses.replace(plan.output, artifact_type="TEXT")
    )

    with pytest.raises(RegistryError, match="OUTLINE read from it"):
        registry.add(other, replace=True)
    assert registry.get("PLAN") is plan


def test_sources_must_exist_and_come_earlier(registry: StepRegistry) -> None:
    outline = registry.get("OUTLINE")
    registry.remove("DONE")

    with pytest.raises(RegistryError, match="reads PAGES, which runs after it"):
        registry.add(with_sources(outline, "PAGES"), replace=True)
    with pytest.raises(RegistryError, match="reads DONE, which is not registered"):
        registry.add(with_sources(outline, "DONE"), replace=True)
    with pytest.raises(RegistryError, match="reads its own output"):
        registry.add(with_sources(outline, "OUTLINE"), replace=True)
    assert registry.get("OUTLINE") is outline


def test_without_an_order_sources_must_be_registered_first() -> None:
    steps = rematrix_steps.STEPS
    registry = StepRegistry(models=rematrix_steps.MODELS)

    with pytest.raises(RegistryError, match="reads PLAN, which is not registered"):
        registry.add(steps[1])
    registry.add(steps[0])
    registry.add(steps[1])
    assert registry.stages() == ("PLAN", "OUTLINE")
    with pytest.raises(RegistryError, match="runs after it"):
        registry.add(with_sources(steps[0], "OUTLINE"), replace=True)


def test_a_stage_outside_the_enum_is_refused(registry: StepRegistry) -> None:
    stray = dataclasses.replace(registry.get("DONE"), stage="ARCHIVE")

    with pytest.raises(
        RegistryError, match="'ARCHIVE' is not a stage of this pipeline"
    ):
        registry.add(stray)


def test_removing_a_stage_others_read_is_refused(registry: StepRegistry) -> None:
    with pytest.raises(RegistryError, match="NARRATION, PAGES read from it"):
        registry.remove("STORYBOARD")
    assert registry.has("STORYBOARD")

    removed = registry.remove("DONE")
    assert removed.stage == "DONE"
    assert not registry.has("DONE")
    registry.remove("MERGE")
    assert registry.stages()[-1] == "RENDER"


def test_get_names_the_missing_stage(registry: StepRegistry) -> None:
    with pytest.raises(UnknownStage, match="no step is registered for stage 'NOPE'"):
        registry.get("NOPE")
    with pytest.raises(KeyError):
        registry.get("NOPE")


def test_clear_empties_the_registry(registry: StepRegistry) -> None:
    registry.clear()

    assert len(registry) == 0
    assert registry.steps() == ()
    assert not registry.has("PLAN")


def test_a_definition_breaking_the_rules_is_refused_with_every_field() -> None:
    plan = rematrix_steps.get_step("PLAN")
    broken = dataclasses.replace(
        plan,
        config=dataclasses.replace(
            plan.config, model="acme/unknown", prompt="no variables {{here}}"
        ),
        output=dataclasses.replace(plan.output, schema_json='{"type": 5}'),
    )
    registry = StepRegistry(models=rematrix_steps.MODELS)

    with pytest.raises(RegistryError) as caught:
        registry.add(broken)
    message = str(caught.value)
    assert "output.schema: not a valid JSON Schema" in message
    assert "config.model: 'acme/unknown' is not supported" in message
    assert "placeholder form is forbidden" in message
    assert "does not mention <markdown>" in message
    assert len(registry) == 0


def test_a_package_that_is_not_a_steps_package_is_named() -> None:
    with pytest.raises(RegistryError, match="cannot import the steps package 'nope_'"):
        StepRegistry.from_package("nope_")
    with pytest.raises(RegistryError, match="json is not a generated steps package"):
        StepRegistry.from_package("json")
