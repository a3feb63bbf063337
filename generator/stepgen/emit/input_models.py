"""Stage input models written from one model of their fields.

Most input schemas only gather what a stage reads: each source's output under the
source's field name and each job input under its own, all required, nothing else
allowed. Every such field means the same wherever it appears, so the model generator
makes each one once, as a field of one carrier class, and each input model is written
from those fields: the same text the model generator writes for it, for a fraction of
its work. Any other input schema is made by the model generator as it stands.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from typing import Any

from stepgen.ir import Pipeline, Stage
from stepgen.schemas import DEFS_PREFIX

CARRIER = "StepgenInputFields"
_PLAIN_KEYS = frozenset({"type", "properties", "required", "additionalProperties"})
_CONFIG = '    model_config = ConfigDict(\n        extra="forbid",\n    )\n'


@dataclass(frozen=True)
class InputClass:
    """An input model to write: its class name and its fields, in order."""

    name: str
    fields: tuple[str, ...]


class CarrierMismatch(Exception):
    """The carrier class did not come out as expected; make the input models whole."""


def plain_fields(pipeline: Pipeline, stage: Stage) -> dict[str, Any] | None:
    """The fields of ``stage``'s input schema if it only gathers its inputs.

    Each field's schema is given as the model generator should make it: a source's
    field refers to the source's output model.
    """
    schema = stage.input_schema
    if not isinstance(schema, dict) or not set(schema) <= _PLAIN_KEYS:
        return None
    properties = schema.get("properties", {})
    if (
        schema.get("type") != "object"
        or schema.get("additionalProperties") is not False
    ):
        return None
    if not isinstance(properties, dict) or not isinstance(schema.get("required"), list):
        return None
    if sorted(schema["required"]) != sorted(properties):
        return None
    sources = {pipeline.stage(name).field_name: name for name in stage.sources}
    fields: dict[str, Any] = {}
    for name, child in properties.items():
        if name in sources:
            output = pipeline.stage(sources[name]).output_model
            fields[name] = {"$ref": f"{DEFS_PREFIX}{output}"}
        elif name in stage.job_inputs:
            fields[name] = child
        else:
            return None
    return fields


def carrier_schema(fields: dict[str, Any]) -> dict[str, Any]:
    """The carrier class: every field once, required, nothing else allowed."""
    return {
        "type": "object",
        "additionalProperties": False,
        "required": list(fields),
        "properties": fields,
    }


def write_inputs(module: str, classes: list[InputClass], fields: list[str]) -> str:
    """``module`` with the carrier class replaced by the input models it carries.

    ``fields`` are the carrier's fields in schema order. Raises
    :class:`CarrierMismatch` when the carrier is not as expected.
    """
    lines = module.splitlines(keepends=True)
    first, last = _carrier_span(lines)
    carrier = "".join(lines[first:last])
    node = ast.parse(carrier).body[0]
    assert isinstance(node, ast.ClassDef)
    texts = _field_texts(node, carrier.splitlines(keepends=True), fields)
    written = []
    for item in classes:
        body = "".join(texts[name] for name in item.fields)
        written.append(f"class {item.name}(SchemaModel):\n{_CONFIG}{body}")
    head = "".join(lines[:first]).rstrip("\n")
    tail = "".join(lines[last:]).strip("\n")
    if CARRIER in head or CARRIER in tail:
        raise CarrierMismatch("the carrier is used outside its class")
    blocks = [head] + ([tail] if tail else []) + [text.rstrip("\n") for text in written]
    return "\n\n\n".join(blocks) + "\n"


def _carrier_span(lines: list[str]) -> tuple[int, int]:
    """Where the carrier class stands: its first line and the line after its last."""
    opening = f"class {CARRIER}("
    first = next(
        (index for index, line in enumerate(lines) if line.startswith(opening)), None
    )
    if first is None:
        raise CarrierMismatch("no carrier class")
    last = first + 1
    while last < len(lines) and (not lines[last].strip() or lines[last][0] in " \t"):
        last += 1
    while lines[last - 1].strip() == "":
        last -= 1
    return first, last


def _field_texts(
    node: ast.ClassDef, lines: list[str], fields: list[str]
) -> dict[str, str]:
    """The source text of each carrier field, its docstring included, by field name."""
    statements = node.body
    if not statements or _target(statements[0]) != "model_config":
        raise CarrierMismatch("the carrier does not forbid other keys first")
    if "".join(lines[statements[0].lineno - 1 : statements[0].end_lineno]) != _CONFIG:
        raise CarrierMismatch("the carrier's configuration is not the expected one")
    starts = [
        index
        for index, item in enumerate(statements)
        if isinstance(item, ast.AnnAssign)
    ]
    if len(starts) != len(fields):
        raise CarrierMismatch("the carrier does not have one field per input")
    texts = {}
    for position, index in enumerate(starts):
        statement = statements[index]
        name = fields[position]
        target = _target(statement)
        source = "".join(lines[statement.lineno - 1 : statement.end_lineno])
        if target != name and not re.search(rf'alias="{re.escape(name)}"', source):
            raise CarrierMismatch(f"the carrier's field {position} is not {name!r}")
        end = (
            statements[starts[position + 1]].lineno - 1
            if position + 1 < len(starts)
            else (node.end_lineno or statement.lineno)
        )
        texts[name] = "".join(lines[statement.lineno - 1 : end])
    return texts


def _target(statement: ast.stmt) -> str | None:
    if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
        return statement.target.id
    if isinstance(statement, ast.Assign) and isinstance(statement.targets[0], ast.Name):
        return statement.targets[0].id
    return None
