"""Schema operations shared by the emitters: bundling and the defs a schema uses."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from stepgen.ir import Pipeline

DEFS_PREFIX = "#/$defs/"


def ref_target(schema: Any) -> str | None:
    """The ``$defs`` name a schema node refers to, if it has a ``$ref``."""
    if isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
        ref: str = schema["$ref"]
        if ref.startswith(DEFS_PREFIX):
            return ref[len(DEFS_PREFIX) :]
    return None


def walk_schema(schema: Any, pointer: str = "") -> Iterator[tuple[str, Any]]:
    """Yield every schema node below ``schema`` (itself included) with its pointer."""
    yield pointer, schema
    if not isinstance(schema, dict):
        return
    for word in ("items", "additionalProperties"):
        if word in schema:
            yield from walk_schema(schema[word], f"{pointer}/{word}")
    for word in ("anyOf",):
        for index, child in enumerate(schema.get(word, ())):
            yield from walk_schema(child, f"{pointer}/{word}/{index}")
    for name, child in schema.get("properties", {}).items():
        token = name.replace("~", "~0").replace("/", "~1")
        yield from walk_schema(child, f"{pointer}/properties/{token}")


def iter_nodes(schema: Any) -> list[Any]:
    """Every schema node below ``schema``, itself included, depth first."""
    return [node for _, node in walk_schema(schema)]


def used_defs(
    schema: Any, defs: dict[str, Any], memo: dict[str, frozenset[str]] | None = None
) -> list[str]:
    """Names of the ``$defs`` entries ``schema`` uses, directly or not, sorted.

    ``memo`` keeps what each entry of ``defs`` uses between calls over the same
    ``defs``, so that a schema is walked once however many schemas refer to it.
    """
    try:
        memo = {} if memo is None else memo
        seen: set[str] = set()
        for name in _direct_refs(schema, defs):
            seen.add(name)
            seen |= _closure(name, defs, memo, set())
        return sorted(seen)
    except _Cycle:  # a recursive schema (refused by the rules): walk it plainly
        return _walk_used(schema, defs)


class _Cycle(Exception):
    pass


def _direct_refs(schema: Any, defs: dict[str, Any]) -> set[str]:
    found = set()
    for node in iter_nodes(schema):
        name = ref_target(node)
        if name is not None and name in defs:
            found.add(name)
    return found


def _closure(
    name: str, defs: dict[str, Any], memo: dict[str, frozenset[str]], open_: set[str]
) -> frozenset[str]:
    found = memo.get(name)
    if found is not None:
        return found
    if name in open_:
        raise _Cycle(name)
    open_.add(name)
    result: set[str] = set()
    for child in _direct_refs(defs[name], defs):
        result.add(child)
        result |= _closure(child, defs, memo, open_)
    open_.discard(name)
    found = memo[name] = frozenset(result)
    return found


def _walk_used(schema: Any, defs: dict[str, Any]) -> list[str]:
    seen: set[str] = set()
    pending = [schema]
    while pending:
        for node in iter_nodes(pending.pop()):
            name = ref_target(node)
            if name is not None and name not in seen and name in defs:
                seen.add(name)
                pending.append(defs[name])
    return sorted(seen)


SAFE_INTEGER = 2**53 - 1
_SCHEMA_VALUED = frozenset({"items", "additionalProperties"})


def with_safe_integers(node: dict[str, Any]) -> dict[str, Any]:
    """``node`` with integers held to ±(2^53−1), the range JavaScript holds exactly."""
    kinds = node.get("type")
    kinds = [kinds] if isinstance(kinds, str) else kinds or []
    if "integer" in kinds and "number" not in kinds:
        low = node.get("minimum")
        high = node.get("maximum")
        node["minimum"] = -SAFE_INTEGER if low is None else max(low, -SAFE_INTEGER)
        node["maximum"] = SAFE_INTEGER if high is None else min(high, SAFE_INTEGER)
    return node


def _safe_copy(schema: Any) -> Any:
    """A copy of the JSON value ``schema`` whose integer schemas hold the safe range."""
    if isinstance(schema, list):
        return [_safe_copy(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    copied = {}
    for key, value in schema.items():
        if key in _SCHEMA_VALUED:
            copied[key] = _safe_copy(value)
        elif key == "anyOf" and isinstance(value, list):
            copied[key] = [_safe_copy(child) for child in value]
        elif key == "properties" and isinstance(value, dict):
            copied[key] = {name: _safe_copy(child) for name, child in value.items()}
        else:
            copied[key] = _copy_json(value)
    return with_safe_integers(copied)


def _copy_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _copy_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copy_json(item) for item in value]
    return value


def bundle(pipeline: Pipeline, schema: Any) -> dict[str, Any]:
    """A standalone JSON Schema: ``schema`` plus the ``$defs`` it uses.

    Integers carry the safe-range bounds every generated model enforces, so that the
    published schema states the whole contract. Emitters share one bundle of each
    schema of the pipeline: treat it as read-only.
    """
    cache: dict[int, dict[str, Any]] = pipeline.derived.setdefault("bundles", {})
    found = cache.get(id(schema))
    if found is None:
        found = cache[id(schema)] = _bundle(pipeline, schema)
    return found


def _bundle(pipeline: Pipeline, schema: Any) -> dict[str, Any]:
    defs = pipeline.all_defs()
    result: dict[str, Any] = {"$schema": "https://json-schema.org/draft/2020-12/schema"}
    root = ref_target(schema)
    if root is not None and set(schema) == {"$ref"} and root in defs:
        schema = defs[root]
    if isinstance(schema, dict):
        result.update(_safe_copy(schema))
    names = used_defs(schema, defs, pipeline.derived.setdefault("uses-all", {}))
    if names:
        # Bundles share the safe copy of each entry: they are read-only.
        copies: dict[str, Any] = pipeline.derived.setdefault("safe-defs", {})
        for name in names:
            if name not in copies:
                copies[name] = _safe_copy(defs[name])
        result["$defs"] = {name: copies[name] for name in names}
    return result
