"""The JSON Schema test suite, turned into one manifest with a stage per schema.

Each schema of the suite becomes the ``value`` property of a stage's output schema;
its ``$defs`` are hoisted into the manifest's ``$defs`` under prefixed names. Schemas
the manifest rules refuse are set aside with the first problem, which is the point:
an unsupported keyword must be refused at generate time, never generated loosely.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stepgen.api import render_pipeline
from stepgen.errors import ManifestInvalid

SUITE = (
    Path(__file__).resolve().parents[3]
    / "shared"
    / "conformance"
    / "json-schema-test-suite"
    / "draft2020-12"
)
_PREFIX = "#/$defs/"


@dataclass
class Case:
    """One schema of the suite with its tests."""

    file: str
    stage: str
    description: str
    schema: Any
    tests: list[dict[str, Any]]
    rejected: str | None = None
    verdicts: dict[str, list[bool]] = field(default_factory=dict)


def suite_files() -> list[Path]:
    """The suite's files, required keywords first, then the optional formats."""
    return sorted(SUITE.glob("*.json")) + sorted(
        (SUITE / "optional" / "format").glob("*.json")
    )


def load_cases() -> list[Case]:
    """Every schema of the suite, as a case named by file and position."""
    cases = []
    for file_index, path in enumerate(suite_files()):
        name = path.relative_to(SUITE).as_posix()
        for group_index, group in enumerate(json.loads(path.read_text("utf-8"))):
            cases.append(
                Case(
                    file=name,
                    stage=f"C{file_index:02d}G{group_index:02d}",
                    description=group["description"],
                    schema=group["schema"],
                    tests=group["tests"],
                )
            )
    return cases


def _def_name(stage: str, name: str) -> str:
    return stage + "D" + re.sub(r"[^A-Za-z0-9]", "", name.title())


def _hoist(stage: str, schema: Any) -> tuple[Any, dict[str, Any]]:
    schema = copy.deepcopy(schema)
    defs: dict[str, Any] = {}
    if isinstance(schema, dict):
        schema.pop("$schema", None)
        for name, value in schema.pop("$defs", {}).items():
            defs[_def_name(stage, name)] = value

    def rename(node: Any) -> Any:
        if isinstance(node, dict):
            renamed = {key: rename(value) for key, value in node.items()}
            ref = renamed.get("$ref")
            if (
                isinstance(ref, str)
                and ref.startswith(_PREFIX)
                and "/" not in ref[len(_PREFIX) :]
            ):
                renamed["$ref"] = _PREFIX + _def_name(stage, ref[len(_PREFIX) :])
            return renamed
        if isinstance(node, list):
            return [rename(item) for item in node]
        return node

    return rename(schema), {name: rename(value) for name, value in defs.items()}


def manifest_for(cases: list[Case]) -> dict[str, Any]:
    """A manifest with one stage per case; each stage's output wraps the case schema."""
    defs: dict[str, Any] = {}
    stages = []
    for case in cases:
        value, hoisted = _hoist(case.stage, case.schema)
        defs.update(hoisted)
        stages.append(
            {
                "stage": case.stage,
                "name": case.description,
                "version": 1,
                "type": "PROCESSING",
                "config": {"prompt": "Suite case."},
                "input": {
                    "sources": [],
                    "schema": {"type": "object", "additionalProperties": False},
                },
                "output": {
                    "type": "JSON",
                    "schema": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["value"],
                        "properties": {"value": value},
                    },
                },
                "execution": {"requiresApproval": False},
            }
        )
    return {
        "name": "conformance",
        "version": "1.0.0",
        "packages": {
            "python": "conformance_steps",
            "typescript": "@stepgen/conformance",
        },
        "models": ["offline/none"],
        "enums": {"ArtifactType": ["JSON"]},
        "$defs": defs,
        "stages": stages,
    }


def _case_of(pointer: str, manifest: dict[str, Any]) -> str | None:
    parts = pointer.split("/")
    if len(parts) > 2 and parts[1] == "stages":
        return str(manifest["stages"][int(parts[2])]["stage"])
    if len(parts) > 2 and parts[1] == "$defs":
        return parts[2].split("D", 1)[0]
    return None


def supported_tree(cases: list[Case], folder: Path) -> dict[str, bytes]:
    """Reject the cases the generator refuses; render the manifest of the rest."""
    while True:
        remaining = [case for case in cases if case.rejected is None]
        manifest = manifest_for(remaining)
        path = folder / "conformance.json"
        path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
        try:
            return render_pipeline(path)[0]
        except ManifestInvalid as error:
            by_stage = {case.stage: case for case in remaining}
            found = False
            for problem in error.problems:
                stage = _case_of(problem.pointer, manifest)
                if stage in by_stage and by_stage[stage].rejected is None:
                    by_stage[stage].rejected = f"{problem.code}: {problem.message}"
                    found = True
            if not found:
                raise
