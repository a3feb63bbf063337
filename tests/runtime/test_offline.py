"""The offline client derives valid answers from the lesson; prompts and log lines."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
import rematrix_steps
from stepgen_runtime.app import Runtime
from stepgen_runtime.clients import ModelRequest, OfflineClient
from stepgen_runtime.clients.offline import GENERATORS
from stepgen_runtime.errors import ModelError
from stepgen_runtime.lesson import read_lesson

from tests.runtime.conftest import LESSONS, ScriptedClient

OpenRuntime = Callable[..., Runtime]
MakeClient = Callable[..., ScriptedClient]


def chain(markdown: str) -> dict[str, Any]:
    """Every AI stage's offline answer, each fed from the ones before."""
    values: dict[str, Any] = {"markdown": markdown}
    answers: dict[str, Any] = {}
    for stage, field in [
        ("PLAN", "plan"),
        ("OUTLINE", "outline"),
        ("STORYBOARD", "storyboard"),
        ("NARRATION", "narration"),
        ("PAGES", "pages"),
    ]:
        answer = GENERATORS[stage](values)
        rematrix_steps.get_step(stage).output.model.model_validate(answer)
        answers[stage] = values[field] = answer
    return answers


@pytest.mark.parametrize("name", ["fractions.md", "zh-fractions.md"])
def test_answers_are_valid_and_follow_the_lesson(name: str) -> None:
    markdown = (LESSONS / name).read_text(encoding="utf-8")
    lesson = read_lesson(markdown)

    answers = chain(markdown)

    headings = [line[3:] for line in markdown.splitlines() if line.startswith("## ")]
    outline = answers["OUTLINE"]
    assert outline["title"] == markdown.splitlines()[0][2:]
    assert [s["title"] for s in outline["sections"]][1:] == headings
    assert answers["PLAN"]["estimatedPages"] == len(lesson.sections) + 2
    pages = answers["STORYBOARD"]["pages"]
    assert [page["page"] for page in pages] == list(range(1, len(headings) + 3))
    assert [n["page"] for n in answers["NARRATION"]["pages"]] == [
        p["page"] for p in pages
    ]
    assert len(answers["PAGES"]["slides"]) == len(pages)
    assert answers == chain(markdown)


def test_the_chinese_lesson_stays_chinese() -> None:
    answers = chain((LESSONS / "zh-fractions.md").read_text(encoding="utf-8"))

    assert answers["PLAN"]["style"] == "清晰友好的讲解"
    assert answers["OUTLINE"]["sections"][0]["title"] == "概述"
    assert answers["NARRATION"]["pages"][0]["text"] == "介绍主题：分数的加法。"


def test_lesson_reading_handles_wrapping_code_and_missing_headings() -> None:
    lesson = read_lesson(
        "Intro line one\ncontinues here. Second sentence!\n\n"
        "```\n# not a heading\n```\n"
        "## Steps\n- first item\n  wrapped on\n- **second** [link](http://x)\n"
    )

    assert lesson.title == "Overview"
    overview, steps = lesson.sections
    assert overview.points == ["Intro line one continues here.", "Second sentence!"]
    assert steps.title == "Steps"
    assert steps.points == ["first item wrapped on", "second link"]
    assert read_lesson("just words").sections[0].points == ["just words"]


def test_an_unknown_stage_is_refused_without_retry() -> None:
    request = ModelRequest(
        stage="QUIZ", model="m", temperature=None, prompt="", schema={}
    )

    with pytest.raises(ModelError, match="no answer for stage QUIZ") as caught:
        OfflineClient().complete(request)
    assert caught.value.retryable is False


def test_prompts_carry_each_input_under_its_heading(
    open_rt: OpenRuntime, lesson: str, scripted: MakeClient
) -> None:
    client = scripted()
    runtime = open_rt(client=client)
    job = runtime.pipeline.start(lesson)

    runtime.pipeline.advance(job.id, auto_approve=True, until="NARRATION")

    prompts = {request.stage: request.prompt for request in client.requests}
    outline = prompts["OUTLINE"]
    default = rematrix_steps.get_step("OUTLINE").config.prompt
    assert outline.startswith(default.rstrip() + "\n\n# PLAN(JSON)\n\n```json\n{\n")
    assert outline.index("# PLAN(JSON)") < outline.index("# Markdown\n\n# Adding")
    assert "# STORYBOARD(JSON)" in prompts["NARRATION"]
    assert all("{{" not in prompt for prompt in prompts.values())
    assert all(
        '"$schema"' in prompt.split("# Output", 1)[1] for prompt in prompts.values()
    )


def test_one_log_line_per_stage_run(
    open_rt: OpenRuntime, lesson: str, caplog: pytest.LogCaptureFixture
) -> None:
    runtime = open_rt()
    job = runtime.pipeline.start(lesson)
    caplog.set_level(logging.INFO, logger="stepgen_runtime")

    runtime.pipeline.advance(job.id, auto_approve=True)

    records = [r for r in caplog.records if r.name == "stepgen_runtime"]
    assert len(records) == 9
    assert (
        records[0].getMessage().startswith(f"job {job.id} stage PLAN: created v1 in ")
    )
    assert records[-1].getMessage().endswith(", attempts 1, job COMPLETED")
