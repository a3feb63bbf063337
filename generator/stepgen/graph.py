"""The stage graph as Mermaid or Graphviz text: who reads whom, in stage order."""

from __future__ import annotations

from stepgen.ir import Pipeline

FORMATS = ("mermaid", "dot")


def _label(text: str, *, quote: str) -> str:
    cleaned = " ".join(text.split())
    if quote == "mermaid":
        return cleaned.replace('"', "#quot;")
    return cleaned.replace("\\", "\\\\").replace('"', '\\"')


def mermaid(pipeline: Pipeline) -> str:
    """A Mermaid flowchart; approval stages are drawn as hexagons."""
    lines = ["flowchart LR"]
    for stage in pipeline.stages:
        label = _label(f"{stage.stage}: {stage.name}", quote="mermaid")
        if stage.requires_approval:
            lines.append(f'    {stage.stage}{{{{"{label}"}}}}')
        else:
            lines.append(f'    {stage.stage}["{label}"]')
    for name in pipeline.job_inputs:
        readers = [stage.stage for stage in pipeline.stages if name in stage.job_inputs]
        if readers:
            lines.append(f'    job_{name}(["job: {_label(name, quote="mermaid")}"])')
            lines += [f"    job_{name} -.-> {reader}" for reader in readers]
    for stage in pipeline.stages:
        lines += [f"    {source} --> {stage.stage}" for source in stage.sources]
    return "\n".join(lines) + "\n"


def dot(pipeline: Pipeline) -> str:
    """A Graphviz digraph; approval stages are drawn as double octagons."""
    lines = [f'digraph "{_label(pipeline.name, quote="dot")}" {{', "    rankdir=LR;"]
    for stage in pipeline.stages:
        shape = "doubleoctagon" if stage.requires_approval else "box"
        label = f"{stage.stage}\\n{_label(stage.name, quote='dot')}"
        lines.append(f'    {stage.stage} [shape={shape}, label="{label}"];')
    for stage in pipeline.stages:
        lines += [f"    {source} -> {stage.stage};" for source in stage.sources]
    lines.append("}")
    return "\n".join(lines) + "\n"


def render_graph(pipeline: Pipeline, graph_format: str) -> str:
    """The stage graph in ``graph_format`` (one of :data:`FORMATS`)."""
    return mermaid(pipeline) if graph_format == "mermaid" else dot(pipeline)
