"""Documentation generated with the code: ``docs/PIPELINE.md``, a table of the stages
and the stage graph, covered by the same drift check as the packages."""

from __future__ import annotations

from stepgen.emit.content import Rendered, layout_key
from stepgen.emit.templating import render
from stepgen.graph import mermaid
from stepgen.ir import Pipeline


def emit_docs(pipeline: Pipeline) -> dict[str, Rendered]:
    """The pipeline's documentation, by path relative to the output root."""
    key = layout_key(pipeline, "docs/PIPELINE.md")
    return {"docs/PIPELINE.md": Rendered(lambda: _pipeline_page(pipeline), key)}


def _pipeline_page(pipeline: Pipeline) -> str:
    return render("docs/PIPELINE.md.jinja", pipeline=pipeline, graph=mermaid(pipeline))
