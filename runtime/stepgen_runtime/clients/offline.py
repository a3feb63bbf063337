"""The offline model client: deterministic answers derived from the stage's inputs.

It needs no network and no key, and its answers are valid for each stage's output
schema and follow from the input: the plan is sized from the lesson, the outline comes
from its headings, the storyboard from the outline, and so on. Running the same inputs
twice gives the same answer, so reuse of identical work can be seen.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from stepgen_runtime.clients.base import ModelRequest
from stepgen_runtime.errors import ModelError
from stepgen_runtime.lesson import is_cjk, read_lesson

THEME = {"primary": "#1F6FEB", "background": "#FFFFFF", "text": "#1F2328"}
MAX_SLIDE_BULLETS = 8

Generator = Callable[[Mapping[str, Any]], dict[str, Any]]


def plan(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Size the video from the lesson: one slide per section plus title and recap."""
    lesson = read_lesson(inputs["markdown"])
    pages = max(1, min(40, len(lesson.sections) + 2))
    duration = max(10, min(600, round(lesson.speaking_seconds)))
    questions = [] if lesson.title else ["The lesson has no title; what should it be?"]
    style = "清晰友好的讲解" if lesson.cjk else "clean, friendly walkthrough"
    return {
        "estimatedPages": pages,
        "estimatedDurationSec": duration,
        "style": style,
        "questions": questions,
    }


def outline(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """One outline section per lesson section, its points as bullets."""
    lesson = read_lesson(inputs["markdown"])
    sections = [
        {"title": section.title, "bullets": list(section.points)}
        for section in lesson.sections
    ]
    return {"title": lesson.title, "sections": sections}


def storyboard(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """A title page, then one page per outline section."""
    source = inputs["outline"]
    cjk = is_cjk(source["title"])
    intro = "介绍主题：" if cjk else "Introduce the topic: "
    explain = "讲解：" if cjk else "Explain: "
    pages = [
        {
            "page": 1,
            "visual": [source["title"]],
            "narrationHints": [intro + source["title"]],
        }
    ]
    for index, section in enumerate(source["sections"], start=2):
        pages.append(
            {
                "page": index,
                "visual": [section["title"], *section["bullets"]],
                "narrationHints": [explain + bullet for bullet in section["bullets"]],
            }
        )
    return {"pages": pages}


def narration(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """Speak each storyboard page's hints as sentences."""
    cjk = is_cjk(inputs["markdown"])
    pages = []
    for page in inputs["storyboard"]["pages"]:
        hints = [_sentence(hint, cjk) for hint in page["narrationHints"]]
        pages.append({"page": page["page"], "text": ("" if cjk else " ").join(hints)})
    return {"pages": pages}


def pages(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """One slide per storyboard page: its first visual as title, the rest as bullets."""
    spoken = {page["page"]: page["text"] for page in inputs["narration"]["pages"]}
    slides = []
    for page in inputs["storyboard"]["pages"]:
        title, *rest = page["visual"]
        bullets = rest or [spoken.get(page["page"]) or page["narrationHints"][0]]
        slides.append({"title": title, "bullets": bullets[:MAX_SLIDE_BULLETS]})
    return {"theme": dict(THEME), "slides": slides}


def _sentence(hint: str, cjk: bool) -> str:
    text = hint.strip()
    if text[-1:] in ".!?。！？":
        return text
    return text + ("。" if cjk else ".")


GENERATORS: Mapping[str, Generator] = {
    "PLAN": plan,
    "OUTLINE": outline,
    "STORYBOARD": storyboard,
    "NARRATION": narration,
    "PAGES": pages,
}


class OfflineClient:
    """Answers requests without a model, from the stage's inputs; the default client."""

    def __init__(self, generators: Mapping[str, Generator] | None = None) -> None:
        self.generators = dict(GENERATORS if generators is None else generators)

    @property
    def name(self) -> str:
        """``offline``."""
        return "offline"

    def complete(self, request: ModelRequest) -> dict[str, Any]:
        """Derive the answer of ``request.stage`` from its inputs."""
        generator = self.generators.get(request.stage)
        if generator is None:
            raise ModelError(
                f"the offline client has no answer for stage {request.stage}",
                retryable=False,
            )
        return generator(request.inputs)
