"""Prompt configuration: stored overrides, the default, the cache, and the CLI."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
import rematrix_steps
from stepgen_runtime.app import Runtime
from stepgen_runtime.configs import ConfigService
from stepgen_runtime.errors import ConfigurationError
from stepgen_runtime.registry import StepRegistry
from stepgen_runtime.rules import config_problems

from tests.conftest import invoke

OpenRuntime = Callable[..., Runtime]
PLAN = rematrix_steps.get_step("PLAN")


def test_without_a_stored_row_the_manifest_default_is_used(
    open_rt: OpenRuntime,
) -> None:
    runtime = open_rt()

    config = runtime.configs.resolve("PLAN")

    assert config.source == "default"
    assert config.config_id is None
    assert (config.model, config.temperature) == ("google/gemini-3.0-flash", 0.7)
    assert config.prompt == PLAN.config.prompt
    assert runtime.configs.resolve("TTS").model is None


def test_the_active_configuration_is_cached_for_three_seconds(
    open_rt: OpenRuntime,
) -> None:
    runtime = open_rt()
    clock = [1000.0]
    service = ConfigService(runtime.prompts, runtime.registry, clock=lambda: clock[0])
    assert service.resolve("PLAN").config_id is None
    elsewhere = ConfigService(runtime.prompts, runtime.registry)
    row = elsewhere.create(
        "PLAN", model="openai/gpt-4o", temperature=0.1, prompt=PLAN.config.prompt
    )
    elsewhere.publish(row.id)

    clock[0] += 2.9
    assert service.resolve("PLAN").config_id is None
    clock[0] += 0.1
    resolved = service.resolve("PLAN")
    assert (resolved.config_id, resolved.model, resolved.temperature) == (
        row.id,
        "openai/gpt-4o",
        0.1,
    )
    assert resolved.source == "stored"


def test_publishing_in_this_process_is_seen_at_once(open_rt: OpenRuntime) -> None:
    runtime = open_rt()
    assert runtime.configs.resolve("OUTLINE").config_id is None
    outline = runtime.registry.get("OUTLINE").config
    first = runtime.configs.create(
        "OUTLINE", model="openai/gpt-4o", temperature=None, prompt=outline.prompt
    )
    second = runtime.configs.create(
        "OUTLINE", model="openai/gpt-4o-mini", temperature=1.5, prompt=outline.prompt
    )

    runtime.configs.publish(first.id)
    assert runtime.configs.resolve("OUTLINE").config_id == first.id
    runtime.configs.publish(second.id)
    assert runtime.configs.resolve("OUTLINE").config_id == second.id
    assert runtime.prompts.active_ids() == {"OUTLINE": second.id}
    assert {row.id for row in runtime.prompts.list_configs("OUTLINE")} == {
        first.id,
        second.id,
    }


def test_an_invalid_configuration_is_never_stored(open_rt: OpenRuntime) -> None:
    runtime = open_rt()

    with pytest.raises(ConfigurationError) as caught:
        runtime.configs.create(
            "OUTLINE",
            model="openai/gpt-5",
            temperature=-1,
            prompt="Outline {{markdown}} with <markdown>",
        )

    message = str(caught.value)
    assert message.startswith("the configuration of OUTLINE is invalid: model: ")
    assert "temperature: -1 is not a number from 0 to 2" in message
    assert "placeholder form is forbidden" in message
    assert "does not mention <plan_json>" in message
    assert runtime.prompts.list_configs() == []
    with pytest.raises(ConfigurationError, match="no prompt configuration has the id"):
        runtime.configs.publish("nope")


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"model": None}, [("model", "an AI stage needs a model")]),
        (
            {"temperature": float("nan")},
            [("temperature", "nan is not a number from 0 to 2")],
        ),
        ({"temperature": True}, [("temperature", "True is not a number from 0 to 2")]),
        (
            {"prompt": "x\x00 <markdown>"},
            [("prompt", "the prompt must not contain the NUL character")],
        ),
        ({"tools": {"a": 1}}, [("tools", "tools must be a list")]),
        (
            {"schema": {"type": "array"}},
            [("schema", 'the schema must describe an object ("type": "object")')],
        ),
        ({"temperature": 2, "tools": []}, []),
    ],
)
def test_each_rule_names_its_field(
    changes: dict[str, object], expected: list[tuple[str, str]]
) -> None:
    registry = StepRegistry.from_package("rematrix_steps")
    values: dict[str, object] = {
        "model": PLAN.config.model,
        "temperature": 0.5,
        "prompt": PLAN.config.prompt,
    }
    values.update(changes)

    found = config_problems(PLAN, registry.variables("PLAN"), registry.models, **values)

    assert found == expected


def test_the_prompts_commands(db_url: str, tmp_path: Path) -> None:
    db = ["--db", db_url]
    prompt = tmp_path / "plan.md"
    prompt.write_text(PLAN.config.prompt + "\nPrefer fewer slides.\n", encoding="utf-8")
    assert invoke("prompts", "list", *db).stdout.startswith("no stored configurations")

    created = invoke(
        "prompts", "create", "PLAN", "--model", "openai/gpt-4o",
        "--temperature", "0.3", "--prompt-file", str(prompt), *db,
    )  # fmt: skip
    assert created.exit_code == 0, created.stderr
    match = re.fullmatch(r"created (\S+) for PLAN\n", created.stdout)
    assert match
    config_id = match.group(1)
    listed = invoke("prompts", "list", *db).stdout
    assert re.fullmatch(rf"PLAN +{config_id}  openai/gpt-4o  t=0.3  \S+ \S+\n", listed)

    published = invoke("prompts", "publish", config_id, *db)
    assert published.stdout == f"published {config_id}: PLAN now runs with it\n"
    assert invoke("prompts", "list", *db).stdout.rstrip().endswith("active")
    shown = invoke("prompts", "show", "PLAN", *db).stdout
    assert shown.startswith(
        f"stage PLAN: stored configuration {config_id}\nmodel: openai/gpt-4o\n"
    )
    assert shown.rstrip().endswith("Prefer fewer slides.")
    default = invoke("prompts", "show", "OUTLINE", *db).stdout
    assert default.startswith("stage OUTLINE: the manifest's default")
    checked = invoke("prompts", "validate", *db)
    assert checked.exit_code == 0
    assert f"PLAN        ok       {config_id}" in checked.stdout

    bad = tmp_path / "bad.md"
    bad.write_text("Plan this lesson.", encoding="utf-8")
    refused = invoke("prompts", "create", "PLAN", "--prompt-file", str(bad), *db)
    assert refused.exit_code == 2
    assert "the prompt does not mention <markdown>" in refused.stderr
    unknown = invoke("prompts", "show", "NOPE", *db)
    assert unknown.exit_code == 2
    assert "no step is registered for stage 'NOPE'" in unknown.stderr
    assert len(invoke("prompts", "list", *db).stdout.splitlines()) == 1
