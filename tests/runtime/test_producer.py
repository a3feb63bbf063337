"""Work made by one processor is reused only when that same processor is asked again."""

from __future__ import annotations

from collections.abc import Callable

from stepgen_runtime.app import Runtime
from stepgen_runtime.processors import STANDIN, Produced, StageContext

OpenRuntime = Callable[..., Runtime]


def render_again(context: StageContext) -> Produced:
    """Another RENDER processor: the stand-in's work under a different name."""
    return STANDIN["RENDER"](context)


def test_the_same_processor_reuses_and_another_one_does_not(
    open_rt: OpenRuntime, lesson: str
) -> None:
    first = open_rt()
    job = first.pipeline.start(lesson)
    first.pipeline.advance(job.id, auto_approve=True)

    same = first.executor.run_stage(job.id, "RENDER")
    other = open_rt(processors={**STANDIN, "RENDER": render_again})
    changed = other.executor.run_stage(job.id, "RENDER")

    assert same.outcome == "reused"
    assert same.artifact.version == 1
    assert changed.outcome == "created"
    assert changed.artifact.version == 2
    assert changed.artifact.meta["producedBy"].endswith("test_producer.render_again")
