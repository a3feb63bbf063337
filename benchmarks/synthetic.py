"""Synthetic manifests of any size, for benchmarks and tests; never committed.

    python -m benchmarks.synthetic 1000 > /tmp/big/pipeline.json

Every stage reads up to three earlier stages, has its own output shape with nested
objects, arrays, enums, formats and bounds, and mentions its variables in its prompt.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from stepgen_runtime.naming import field_name, source_variable


def _stage_name(index: int) -> str:
    return f"STEP_{index:04d}"


def _field(index: int) -> str:
    return field_name(_stage_name(index))


def _output(index: int) -> dict[str, Any]:
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["title", "items", "score", "kind"],
        "properties": {
            "title": {"type": "string", "minLength": 1, "maxLength": 200},
            "items": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["text", "weight"],
                    "properties": {
                        "text": {"$ref": "#/$defs/NonEmptyString"},
                        "weight": {"type": "number", "minimum": 0, "maximum": 10},
                        "tags": {"type": "array", "items": {"type": "string"}},
                    },
                },
            },
            "score": {"type": ["integer", "null"], "minimum": 2},
            "kind": {"enum": [f"kind-{index % 7}", "other"]},
            "createdAt": {"type": "string", "format": "date-time"},
            "colour": {"type": "string", "pattern": "^#[0-9A-Fa-f]{6}$"},
        },
    }


def manifest(count: int) -> dict[str, Any]:
    """A valid manifest with ``count`` stages and one output shape each."""
    defs: dict[str, Any] = {"NonEmptyString": {"type": "string", "minLength": 1}}
    stages = []
    for index in range(count):
        sources = [_stage_name(other) for other in range(max(0, index - 3), index)]
        defs[f"Step{index:04d}Output"] = _output(index)
        properties: dict[str, Any] = {
            _field(int(source[5:])): {
                "$ref": f"#/$defs/Step{int(source[5:]):04d}Output"
            }
            for source in sources
        }
        properties["markdown"] = {"$ref": "#/$defs/NonEmptyString"}
        variables = [source_variable(source, "JSON") for source in sources]
        stages.append(
            {
                "stage": _stage_name(index),
                "name": f"Step {index}",
                "description": f"Synthetic stage {index}.",
                "version": 1,
                "type": "AI_GENERATION",
                "config": {
                    "model": "offline/model",
                    "temperature": 0.5,
                    "prompt": "Use <markdown> " + " ".join(variables) + ".",
                },
                "input": {
                    "sources": sources,
                    "job": ["markdown"],
                    "schema": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": sorted(properties),
                        "properties": properties,
                    },
                },
                "output": {
                    "type": "JSON",
                    "schema": {"$ref": f"#/$defs/Step{index:04d}Output"},
                },
                "execution": {
                    "requiresApproval": index % 5 == 0,
                    "retryPolicy": {
                        "maxAttempts": 3,
                        "backoffMs": 100,
                        "maxBackoffMs": 1000,
                    },
                    "timeoutMs": 60000,
                },
            }
        )
    return {
        "name": "synthetic",
        "version": "1.0.0",
        "packages": {"python": "synthetic_steps", "typescript": "@bench/synthetic"},
        "models": ["offline/model"],
        "enums": {"ArtifactType": ["JSON"]},
        "jobInputs": {
            "markdown": {
                "from": "config.markdown",
                "schema": {"$ref": "#/$defs/NonEmptyString"},
            }
        },
        "$defs": defs,
        "stages": stages,
    }


if __name__ == "__main__":
    json.dump(manifest(int(sys.argv[1])), sys.stdout, indent=2)
