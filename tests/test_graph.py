"""`stepgen graph` draws the stage graph; generation writes docs/PIPELINE.md with it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.conftest import ROOT, CliResult


def test_mermaid_graph_has_every_stage_and_every_source_edge(
    cli: Callable[..., CliResult],
) -> None:
    result = cli("graph", "--manifest", str(ROOT / "schema" / "pipeline.json"))

    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "flowchart LR"
    assert '    PLAN{{"PLAN: Plan"}}' in lines
    assert '    TTS["TTS: Text to speech"]' in lines
    edges = {line.strip() for line in lines if "-->" in line}
    manifest = json.loads((ROOT / "schema" / "pipeline.json").read_text())
    expected = {
        f"{source} --> {stage['stage']}"
        for stage in manifest["stages"]
        for source in stage["input"]["sources"]
    }
    assert edges == expected
    assert "    job_jobId -.-> DONE" in lines


def test_dot_graph_is_a_digraph(cli: Callable[..., CliResult]) -> None:
    result = cli(
        "graph", "--format", "dot", "--manifest", str(ROOT / "schema" / "pipeline.json")
    )

    assert result.exit_code == 0
    assert result.stdout.startswith('digraph "rematrix-video" {')
    assert "    RENDER -> MERGE;" in result.stdout
    assert "    PLAN [shape=doubleoctagon" in result.stdout
    assert result.stdout.rstrip().endswith("}")


def test_labels_cannot_break_out_of_the_graph(
    cli: Callable[..., CliResult], schema_copy: Path
) -> None:
    data = json.loads(schema_copy.read_text())
    data["stages"][0]["name"] = 'Plan"] --> X["owned\nline'
    schema_copy.write_text(json.dumps(data))

    mermaid = cli("graph", "--manifest", str(schema_copy)).stdout
    dot = cli("graph", "--format", "dot", "--manifest", str(schema_copy)).stdout

    assert '    PLAN{{"PLAN: Plan#quot;] --> X[#quot;owned line"}}' in mermaid
    assert "X[" not in mermaid.replace("X[#quot;", "")
    assert 'label="PLAN\\nPlan\\"] --> X[\\"owned line"' in dot


def test_pipeline_doc_is_generated_with_the_table_and_the_graph() -> None:
    text = (ROOT / "generated" / "docs" / "PIPELINE.md").read_text()

    assert (
        "| 8 | MERGE | Merge | PROCESSING | — | — | RENDER, TTS | — | VIDEO | no | 2 / 5000 ms / 20000 ms | 900000 ms | 1 |"
        in text
    )
    assert "```mermaid\nflowchart LR\n" in text


def test_a_broken_manifest_draws_nothing(
    cli: Callable[..., CliResult], schema_copy: Path
) -> None:
    schema_copy.write_text("[]")

    result = cli("graph", "--manifest", str(schema_copy))

    assert result.exit_code == 2
    assert result.stdout == ""
