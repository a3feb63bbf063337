"""JSON Schema → Zod 4 expressions, for the schemas the manifest rules accept.

The translation follows JSON Schema's meaning exactly: type-specific keywords hold
only values of their type, lengths count code points, patterns are ECMAScript with the
``u`` flag, formats use the shared checks of ``formats.ts``. Every piece of schema
text enters the expression through :func:`~stepgen.emit.templating.ts_literal`.
"""

from __future__ import annotations

from typing import Any

from stepgen.emit.templating import identifier, ts_literal
from stepgen.schemas import ref_target

TYPES = ("string", "number", "integer", "boolean", "null", "array", "object")
FORMAT_CHECKS = {
    "date": "isDate",
    "date-time": "isDateTime",
    "uuid": "isUuid",
    "email": "isEmail",
    "uri": "isUri",
}
_OWNER = {
    "minLength": "string",
    "maxLength": "string",
    "pattern": "string",
    "minimum": "number",
    "maximum": "number",
    "exclusiveMinimum": "number",
    "exclusiveMaximum": "number",
    "multipleOf": "number",
    "items": "array",
    "minItems": "array",
    "maxItems": "array",
    "properties": "object",
    "required": "object",
    "additionalProperties": "object",
}


def schema_name(def_name: str) -> str:
    """The TypeScript name of the Zod schema of a ``$defs`` entry."""
    return identifier(f"{def_name}Schema")


def zod(node: Any) -> str:
    """The Zod expression that accepts exactly what ``node`` accepts."""
    if node is True or node == {}:
        return "z.unknown()"
    if node is False:
        return "z.never()"
    target = ref_target(node)
    if target is not None:
        return schema_name(target)
    if "const" in node:
        return _literals([node["const"]])
    if "enum" in node:
        return _literals(list(node["enum"]))
    if "anyOf" in node:
        return _union([zod(branch) for branch in node["anyOf"]])
    kinds = node.get("type")
    declared = [kinds] if isinstance(kinds, str) else list(kinds or [])
    if not declared:
        return _untyped(node)
    if "integer" in declared and "number" in declared:
        declared.remove("integer")
    return _union([_typed(kind, node) for kind in declared])


def _literals(values: list[Any]) -> str:
    if all(isinstance(value, str) for value in values):
        return f"z.enum([{', '.join(ts_literal(value) for value in values)}])"
    parts = [
        "z.null()" if value is None else f"z.literal({ts_literal(value)})"
        for value in values
    ]
    return _union(parts)


def _union(parts: list[str]) -> str:
    unique = list(dict.fromkeys(parts))
    return unique[0] if len(unique) == 1 else f"z.union([{', '.join(unique)}])"


def _untyped(node: dict[str, Any]) -> str:
    owned = {_OWNER[key] for key in node if key in _OWNER}
    if "format" in node:
        check = FORMAT_CHECKS[node["format"]]
        return (
            'z.unknown().refine((value) => typeof value !== "string" || '
            f"{check}(value), {{ message: {ts_literal('not a valid ' + node['format'])} }})"
        )
    if not owned:
        return "z.unknown()"
    return _union([_typed(kind, node) for kind in TYPES if kind != "integer"])


def _typed(kind: str, node: dict[str, Any]) -> str:
    if kind == "string":
        return _string(node)
    if kind in ("number", "integer"):
        return _number(kind, node)
    if kind == "array":
        return _array(node)
    if kind == "object":
        return _object(node)
    return "z.boolean()" if kind == "boolean" else "z.null()"


def _string(node: dict[str, Any]) -> str:
    expr = "z.string()"
    if "minLength" in node:
        expr += f".refine((value) => codePoints(value) >= {int(node['minLength'])}, {{ message: {ts_literal('shorter than ' + str(int(node['minLength'])))} }})"
    if "maxLength" in node:
        expr += f".refine((value) => codePoints(value) <= {int(node['maxLength'])}, {{ message: {ts_literal('longer than ' + str(int(node['maxLength'])))} }})"
    if "pattern" in node:
        expr += f".regex(new RegExp({ts_literal(node['pattern'])}, \"u\"))"
    if "format" in node:
        check = FORMAT_CHECKS[node["format"]]
        expr += f".refine({check}, {{ message: {ts_literal('not a valid ' + node['format'])} }})"
    return expr


def _number(kind: str, node: dict[str, Any]) -> str:
    expr = "z.int()" if kind == "integer" else "z.number()"
    for word, method in (
        ("minimum", "gte"),
        ("maximum", "lte"),
        ("exclusiveMinimum", "gt"),
        ("exclusiveMaximum", "lt"),
        ("multipleOf", "multipleOf"),
    ):
        if word in node:
            expr += f".{method}({ts_literal(node[word])})"
    return expr


def _array(node: dict[str, Any]) -> str:
    expr = f"z.array({zod(node.get('items', True))})"
    if "minItems" in node:
        expr += f".min({int(node['minItems'])})"
    if "maxItems" in node:
        expr += f".max({int(node['maxItems'])})"
    return expr


def _object(node: dict[str, Any]) -> str:
    required = set(node.get("required", ()))
    fields = []
    for name, child in node.get("properties", {}).items():
        expr = zod(child)
        if name not in required:
            if isinstance(child, dict) and "default" in child:
                expr += f".default({ts_literal(child['default'])})"
            else:
                expr += ".optional()"
        fields.append(f"{ts_literal(name)}: {expr}")
    shape = "{ " + ", ".join(fields) + " }" if fields else "{}"
    extra = node.get("additionalProperties", True)
    if extra is False:
        return f"z.strictObject({shape})"
    if extra is True or extra == {}:
        return f"z.looseObject({shape})"
    return f"z.object({shape}).catchall({zod(extra)})"
