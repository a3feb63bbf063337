"""Rules for one schema node: what every emitter can translate to the same verdict.

The generated pydantic models, the generated Zod schemas and the ``jsonschema``
library must judge every value alike; a schema that would make them differ is refused
here, with the reason, instead of being generated loosely.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from stepgen.ir import Pipeline
from stepgen.manifest.patterns import portability_problem
from stepgen.manifest.source import escape_token
from stepgen.schemas import walk_schema

Report = Callable[[str, str, str], None]
FIELD_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
MAX_SAFE_INTEGER = 2**53 - 1

TYPE_KEYWORDS = {
    "string": frozenset({"minLength", "maxLength", "pattern"}),
    "number": frozenset(
        {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"}
    ),
    "array": frozenset({"items", "minItems", "maxItems"}),
    "object": frozenset({"properties", "required", "additionalProperties"}),
}
JS_RESERVED = frozenset(
    {
        "constructor",
        "prototype",
        "toString",
        "toLocaleString",
        "valueOf",
        "hasOwnProperty",
        "isPrototypeOf",
        "propertyIsEnumerable",
    }
)
ALL_TYPE_KEYWORDS = frozenset().union(*TYPE_KEYWORDS.values())
ANNOTATIONS = frozenset({"title", "description", "default", "examples"})
# Keywords that cannot be split across per-type branches of an untyped schema.
BRANCH_BREAKERS = frozenset({"enum", "const", "anyOf", "$ref", "format"})
STRING_CONSTRAINTS = frozenset({"minLength", "maxLength", "pattern", "enum", "const"})
_BOUNDS = (
    ("minLength", "maxLength"),
    ("minItems", "maxItems"),
    ("minimum", "maximum"),
)


def ref_cycle(defs: dict[str, Any], start: str) -> list[str] | None:
    """The chain of ``$ref``s that leads from ``start`` back to itself, if any."""

    def refs_of(schema: Any) -> set[str]:
        found = set()
        for _, node in walk_schema(schema, ""):
            ref = node.get("$ref") if isinstance(node, dict) else None
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                found.add(ref[len("#/$defs/") :])
        return found

    stack: list[tuple[str, list[str]]] = [(start, [start])]
    visited: set[str] = set()
    while stack:
        name, path = stack.pop()
        for target in sorted(refs_of(defs.get(name))):
            if target == start:
                return [*path, target]
            if target in defs and target not in visited:
                visited.add(target)
                stack.append((target, [*path, target]))
    return None


def check_node(pipeline: Pipeline, node: Any, pointer: str, report: Report) -> None:
    """Report every rule the schema ``node`` at ``pointer`` breaks."""
    if node is False and not pointer.endswith("/additionalProperties"):
        message = "the schema false is supported only as additionalProperties"
        report(pointer, "inexact-schema", message)
    if not isinstance(node, dict):
        return
    ref = node.get("$ref")
    if isinstance(ref, str):
        target = ref[len("#/$defs/") :]
        if target not in pipeline.defs and target not in pipeline.enums:
            message = f"$ref {ref!r} does not resolve: no $defs entry {target!r}"
            report(f"{pointer}/$ref", "unresolved-ref", message)
    for name in node.get("properties", {}):
        problem = field_name_problem(name)
        if problem:
            report(
                f"{pointer}/properties/{escape_token(name)}", "bad-field-name", problem
            )
    for index, name in enumerate(node.get("required", ())):
        if name not in node.get("properties", {}):
            message = f"{name!r} is required but not declared in properties"
            report(f"{pointer}/required/{index}", "undeclared-required", message)
    for low, high in _BOUNDS:
        if low in node and high in node and node[low] > node[high]:
            message = f"{low} {node[low]} is greater than {high} {node[high]}"
            report(f"{pointer}/{low}", "unsatisfiable", message)
    problem = exactness_problem(node)
    if problem:
        report(pointer, "inexact-schema", problem)
    for where, value in literal_values(node):
        problem = unsafe_integer_problem(value)
        if problem:
            report(f"{pointer}/{where}", "inexact-schema", problem)
    if "format" in node:
        problem = format_problem(node)
        if problem:
            report(f"{pointer}/format", "format-combination", problem)
    if isinstance(node.get("pattern"), str):
        problem = portability_problem(node["pattern"])
        if problem:
            report(f"{pointer}/pattern", "unportable-pattern", problem)
    if "default" in node:
        problem = default_problem(pipeline, node)
        if problem:
            report(f"{pointer}/default", "invalid-default", problem)


def field_name_problem(name: str) -> str | None:
    """Say why ``name`` cannot be a field in both Python and TypeScript, if it cannot."""
    if not FIELD_NAME.match(name):
        return (
            f"field name {name!r} must start with a letter and hold only letters, "
            "digits and underscores, so that Python and TypeScript can both use it"
        )
    if name in JS_RESERVED:
        return f"field name {name!r} is a property of every JavaScript object"
    if name.startswith("model_"):
        return f"field name {name!r} uses the prefix 'model_', which pydantic reserves"
    return None


def exactness_problem(node: dict[str, Any]) -> str | None:
    """Say why ``node`` would not get the same verdict from every emitter, if so."""
    typed = set(node) & ALL_TYPE_KEYWORDS
    kinds = node.get("type")
    declared = [kinds] if isinstance(kinds, str) else list(kinds or [])
    single = len([kind for kind in declared if kind != "null"]) == 1
    if typed and not single and set(node) & BRANCH_BREAKERS:
        mixed = ", ".join(sorted(set(node) & BRANCH_BREAKERS))
        return (
            f"{', '.join(sorted(typed))} cannot be combined with {mixed} unless the "
            'schema has one "type" (with or without "null")'
        )
    if "$ref" in node and set(node) - ANNOTATIONS - {"$ref"}:
        others = ", ".join(sorted(set(node) - ANNOTATIONS - {"$ref"}))
        return f"$ref cannot be combined with {others}; only annotations may stand beside it"
    if "anyOf" in node and set(node) - ANNOTATIONS - {"anyOf"}:
        others = ", ".join(sorted(set(node) - ANNOTATIONS - {"anyOf"}))
        return f"anyOf cannot be combined with {others}; move them into each branch"
    values = list(node.get("enum", [])) + ([node["const"]] if "const" in node else [])
    for value in values:
        if isinstance(value, bool) or (
            isinstance(value, int | float) and value in (0, 1)
        ):
            return (
                "enum and const values cannot be true, false, 0 or 1: the Python "
                "models cannot tell true from 1 or false from 0"
            )
        if isinstance(value, float) and not value.is_integer():
            return "enum and const numbers must be whole numbers"
        if isinstance(value, dict | list):
            return "enum and const values must be strings, numbers or null"
    divisor = node.get("multipleOf")
    if isinstance(divisor, float) and not divisor.is_integer():
        return "multipleOf must be a whole number: fractional steps round differently"
    return None


def literal_values(node: dict[str, Any]) -> list[tuple[str, Any]]:
    """The ``enum`` and ``const`` values of ``node``, each with its relative pointer."""
    found: list[tuple[str, Any]] = []
    if isinstance(node.get("enum"), list):
        found += [(f"enum/{index}", value) for index, value in enumerate(node["enum"])]
    if "const" in node:
        found.append(("const", node["const"]))
    return found


def unsafe_integer_problem(value: Any) -> str | None:
    """Say why the ``enum``/``const`` number ``value`` cannot be matched exactly."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, float) and not value.is_integer():
        return None  # refused as a fractional number
    if abs(value) <= MAX_SAFE_INTEGER:
        return None
    return (
        f"the integer {value} is beyond ±(2^53-1) = ±{MAX_SAFE_INTEGER}, the "
        "integers JavaScript represents exactly: Zod would also accept a "
        "neighbouring integer, the Python models only this one"
    )


def format_problem(node: dict[str, Any]) -> str | None:
    """Say why a schema with ``format`` cannot be translated exactly, if it cannot."""
    kinds = node.get("type")
    if kinds not in (None, "string", ["string", "null"], ["null", "string"]):
        return (
            'a schema with "format" must have "type": "string", ["string", "null"] '
            "or no type"
        )
    mixed = sorted(set(node) & STRING_CONSTRAINTS)
    if mixed:
        return (
            f'"format" cannot be combined with {", ".join(mixed)}; use one or the other'
        )
    return None


def default_problem(pipeline: Pipeline, node: dict[str, Any]) -> str | None:
    """Say why the ``default`` of ``node`` does not validate against ``node``."""
    from jsonschema import Draft202012Validator

    subject = {key: value for key, value in node.items() if key != "default"}
    subject["$defs"] = pipeline.all_defs()
    validator = Draft202012Validator(
        subject, format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    from referencing.exceptions import Unresolvable

    try:
        error = next(iter(validator.iter_errors(node["default"])), None)
    except Unresolvable:
        return None  # the unresolved $ref is reported on its own
    if error is None:
        return None
    return f"the default does not validate against its schema: {error.message[:160]}"
