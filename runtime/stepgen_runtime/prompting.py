"""The text sent to a model: the prompt, then each input under its heading.

As the service does, variables are not substituted. Each input is appended after the
prompt under a heading (``# Markdown``, ``# PLAN(JSON)``, ``# RENDER(OUTPUTS)`` with
its blob reference), and a last section asks for one object matching the output
schema.
"""

from __future__ import annotations

import json
from typing import Any

from stepgen_runtime.definitions import StepDefinition
from stepgen_runtime.inputs import StageInputs
from stepgen_runtime.naming import is_blob_type, job_heading, source_heading


def assemble_prompt(
    prompt: str, step: StepDefinition, inputs: StageInputs, schema: dict[str, Any]
) -> str:
    """Return ``prompt`` followed by the inputs of ``step`` and the output request."""
    parts = [prompt.rstrip()]
    for stage in step.input.sources:
        source = inputs.sources[stage]
        body = _json_block(source.content)
        if is_blob_type(source.artifact_type):
            body = f"Blob: {source.blob_url or '(none)'}\n\n{body}"
        parts.append(f"# {source_heading(stage, source.artifact_type)}\n\n{body}")
    for name in step.input.job:
        value = inputs.values[name]
        body = value if isinstance(value, str) else _json_block(value)
        parts.append(f"# {job_heading(name)}\n\n{body.rstrip()}")
    parts.append(
        "# Output\n\nAnswer with one JSON object that matches this JSON Schema, and "
        "nothing else:\n\n" + _schema_block(schema)
    )
    return "\n\n".join(parts) + "\n"


def _json_block(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)
    return f"```json\n{text}\n```"


def _schema_block(schema: dict[str, Any]) -> str:
    """The schema's block, indented once per distinct schema: every stage sends one.

    Indented JSON is written by the pure-Python encoder; the compact key is written
    by the C one, several times faster.
    """
    key = json.dumps(schema, sort_keys=True)
    block = _SCHEMA_BLOCKS.get(key)
    if block is None:
        if len(_SCHEMA_BLOCKS) >= MAX_SCHEMA_BLOCKS:
            _SCHEMA_BLOCKS.clear()
        block = _SCHEMA_BLOCKS[key] = _json_block(schema)
    return block


MAX_SCHEMA_BLOCKS = 64
_SCHEMA_BLOCKS: dict[str, str] = {}
