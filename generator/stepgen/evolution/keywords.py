"""What single JSON Schema keywords say about the set of values a schema accepts.

The schema comparison asks these questions of one keyword at a time: which types a
node allows, which values it lists, whether a new bound is looser or tighter, what its
unknown fields may hold, and which ``anyOf`` alternatives correspond.
"""

from __future__ import annotations

import json
from typing import Any

Schema = dict[str, Any]

ANNOTATIONS = ("title", "description", "default", "examples")
LOWER_BOUNDS = ("minLength", "minItems", "minimum", "exclusiveMinimum")
UPPER_BOUNDS = ("maxLength", "maxItems", "maximum", "exclusiveMaximum")
SCALARS = (*LOWER_BOUNDS, *UPPER_BOUNDS, "multipleOf", "pattern", "format")
_STRUCTURE = ("properties", "required", "additionalProperties", "anyOf", "$ref")
COMPARED = frozenset(
    (*ANNOTATIONS, *SCALARS, *_STRUCTURE, "type", "enum", "const", "items")
)

#: How moving between "any", "none" (false) and a schema of unknown fields is judged.
EXTRA_MOVES = {
    ("any", "none"): ("unknown-fields-refused", "unknown fields are now refused"),
    ("any", "schema"): ("constraint-tightened", "unknown fields must match a schema"),
    ("none", "any"): ("unknown-fields-allowed", "unknown fields are now accepted"),
    ("none", "schema"): ("unknown-fields-allowed", "unknown fields may now appear"),
    ("schema", "any"): ("constraint-loosened", "unknown fields may hold anything"),
    ("schema", "none"): ("unknown-fields-refused", "unknown fields are now refused"),
}


def node(value: Any) -> Schema:
    """A schema as a mapping: ``true`` (or nothing) is ``{}``, ``false`` no value."""
    if isinstance(value, dict):
        return value
    return {} if value is True or value is None else {"enum": []}


def bare(schema: Schema) -> Schema:
    """``schema`` without its annotations."""
    return {word: value for word, value in schema.items() if word not in ANNOTATIONS}


def verb(before: bool, after: bool) -> str:
    """``added``, ``removed`` or ``changed``, from whether each side has the thing."""
    if before and after:
        return "changed"
    return "added" if after else "removed"


def judge(word: str, before: Any, after: Any) -> str:
    """Whether moving ``word`` from ``before`` to ``after`` tightens or loosens it.

    Returns ``tightened``, ``loosened`` or ``changed`` (neither, such as a different
    pattern or a multipleOf that divides neither way).
    """
    if word == "multipleOf":
        if (after / before).is_integer():
            return "tightened"
        return "loosened" if (before / after).is_integer() else "changed"
    if word in ("pattern", "format"):
        return "changed"
    tighter = (after > before) == (word in LOWER_BOUNDS)
    return "tightened" if tighter else "loosened"


def types_of(schema: Schema) -> frozenset[str] | None:
    """The JSON types ``schema`` allows (from its values without a type); None: any."""
    kinds = schema.get("type")
    if isinstance(kinds, str):
        return frozenset({kinds})
    if isinstance(kinds, list):
        return frozenset(kinds)
    values = values_of(schema)
    return None if values is None else frozenset(map(json_type, values))


def covers(wide: frozenset[str] | None, narrow: frozenset[str] | None) -> bool:
    """Whether every type of ``narrow`` is allowed by ``wide`` (integer by number)."""
    if wide is None:
        return True
    if narrow is None:
        return False
    return all(
        kind in wide or (kind == "integer" and "number" in wide) for kind in narrow
    )


def type_label(kinds: frozenset[str] | None) -> str:
    """The types as a report shows them: ``integer or null``, ``any``."""
    return "any" if kinds is None else " or ".join(sorted(kinds))


def json_type(value: Any) -> str:
    """The JSON type of a value; an integral number is an integer."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
        return "integer"
    names = {float: "number", str: "string", list: "array", dict: "object"}
    return names.get(type(value), "object")


def values_of(schema: Schema) -> list[Any] | None:
    """The values ``schema`` lists (``const`` is a list of one); None when unlisted."""
    if "const" in schema:
        return [schema["const"]]
    values = schema.get("enum")
    return list(values) if isinstance(values, list) else None


def extra(value: Any) -> str | Schema:
    """An ``items`` or ``additionalProperties`` value as ``any``, ``none`` or a schema."""
    if value is None or value is True or value == {}:
        return "any"
    return "none" if value is False else node(value)


def extra_kind(value: str | Schema) -> str:
    """``any``, ``none`` or ``schema``, for a value :func:`extra` returned."""
    return value if isinstance(value, str) else "schema"


def match(
    before: list[Any], after: list[Any]
) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """Pair ``anyOf`` alternatives: equal ones first, the rest by position if they can.

    Returns the pairs (old index, new index), the new alternatives left unpaired and
    the old ones left unpaired.
    """
    unpaired = list(range(len(before)))
    pairs = []
    for index, branch in enumerate(after):
        same = [old for old in unpaired if show(before[old]) == show(branch)]
        if same:
            pairs.append((same[0], index))
            unpaired.remove(same[0])
    paired = {index for _, index in pairs}
    fresh = [index for index in range(len(after)) if index not in paired]
    if len(unpaired) == len(fresh):
        return sorted(pairs + list(zip(unpaired, fresh, strict=True))), [], []
    return sorted(pairs), fresh, unpaired


def show(value: Any) -> str:
    """A JSON value as one compact, canonical line."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def short(value: Any) -> str:
    """:func:`show`, cut to 60 characters."""
    text = show(value)
    return text if len(text) <= 60 else text[:59] + "…"


def listing(values: list[Any] | None) -> str:
    """Values as a comma-separated list of JSON."""
    return ", ".join(show(value) for value in values or [])
