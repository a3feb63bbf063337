"""Documentation generated with the code: ``docs/PIPELINE.md``, a table of the stages
and the stage graph, covered by the same drift check as the packages."""

from __future__ import annotations

from stepgen.emit.templating import render
from stepgen.graph import mermaid
from stepgen.ir import Pipeline


def emit_docs(pipeline: Pipeline) -> dict[str, str]:
    """Render the pipeline's documentation, by path relative to the output root."""
    return {
        "docs/PIPELINE.md": render(
            "docs/PIPELINE.md.jinja", pipeline=pipeline, graph=mermaid(pipeline)
        )
    }
