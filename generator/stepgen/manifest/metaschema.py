"""Checking a manifest against the meta-schema, with problems located in the file."""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import stepgen_runtime

from stepgen.errors import Problem
from stepgen.manifest.source import Document, pointer_of

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

META_SCHEMA_PATH = Path(stepgen_runtime.__file__).with_name("stepgen.schema.json")
_JSON_TYPES = {
    dict: "an object",
    list: "an array",
    str: "a string",
    bool: "a boolean",
    int: "an integer",
    float: "a number",
    type(None): "null",
}


@lru_cache(maxsize=1)
def meta_schema() -> dict[str, Any]:
    """The meta-schema every manifest is checked against."""
    loaded: dict[str, Any] = json.loads(META_SCHEMA_PATH.read_text("utf-8"))
    return loaded


@lru_cache(maxsize=1)
def _validator() -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    schema = meta_schema()
    return Draft202012Validator(
        schema, format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def supported_keywords() -> list[str]:
    """The JSON Schema keywords a manifest's schemas may use."""
    return sorted(meta_schema()["$defs"]["schemaNode"]["properties"])


def check_meta_schema(document: Document) -> list[Problem]:
    """Return every place where the manifest breaks the meta-schema."""
    if conforms_quickly(document.data):
        return []
    problems: list[Problem] = []
    with warnings.catch_warnings():
        # The "regex" format compiles each pattern with Python's re, which warns
        # about constructs such as "[[:alpha:]]"; the portability rules refuse those
        # with a located problem instead.
        warnings.simplefilter("ignore", FutureWarning)
        errors = list(_validator().iter_errors(document.data))
    for error in errors:
        problems.extend(_problems_of(document, error))
    return problems


@lru_cache(maxsize=1)
def _compiled_validator() -> Any:
    import jsonschema_rs

    return jsonschema_rs.Draft202012Validator(meta_schema(), validate_formats=True)


def conforms_quickly(data: Any) -> bool:
    """Whether ``data`` passes the meta-schema, by a compiled validator.

    It answers a valid manifest in milliseconds where jsonschema takes about a
    second for a thousand stages. It only ever says yes: anything it refuses, or
    cannot take, goes to jsonschema, whose errors carry what a located problem
    needs. The meta-schema's ``regex`` format means Python's ``re`` here, so every
    ``pattern`` must also compile there.
    """
    try:
        if not _compiled_validator().is_valid(data):
            return False
    except Exception:  # whatever it cannot take, jsonschema judges
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return all(_compiles(pattern) for pattern in _patterns(data))


def _patterns(data: Any) -> list[Any]:
    """Every value held under a ``pattern`` key, anywhere in ``data``."""
    found: list[Any] = []
    stack = [data]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if "pattern" in node:
                found.append(node["pattern"])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return found


def _compiles(pattern: Any) -> bool:
    if not isinstance(pattern, str):
        return True  # not a "regex" instance; the type check covers it
    try:
        re.compile(pattern)
    except re.error:
        return False
    return True


def _problems_of(document: Document, error: ValidationError) -> list[Problem]:
    if error.context and error.validator in ("oneOf", "anyOf"):
        deepest = _closest_branch(error)
        if deepest is not None and list(deepest.absolute_path) != list(
            error.absolute_path
        ):
            return _problems_of(document, deepest)
    pointer = pointer_of(list(error.absolute_path))
    instance = error.instance
    if "propertyNames" in error.schema_path and isinstance(instance, str):
        child = f"{pointer}/{instance.replace('~', '~0').replace('/', '~1')}"
        message = f"the name {instance!r} does not match {error.validator_value}"
        return [document.problem(child, "bad-name", message, key=True)]
    schema = error.schema
    if (
        error.validator == "additionalProperties"
        and isinstance(instance, dict)
        and isinstance(schema, Mapping)
    ):
        allowed = set(schema.get("properties", {}))
        is_schema = schema == meta_schema()["$defs"]["schemaNode"]
        problems = []
        for key in sorted(set(instance) - allowed):
            child = f"{pointer}/{key.replace('~', '~0').replace('/', '~1')}"
            if is_schema:
                message = (
                    f"unsupported JSON Schema keyword {key!r}; supported: "
                    + ", ".join(supported_keywords())
                )
                problems.append(
                    document.problem(child, "unsupported-keyword", message, key=True)
                )
            else:
                known = ", ".join(sorted(allowed)) or "none"
                message = f"unknown key {key!r}; allowed keys: {known}"
                problems.append(
                    document.problem(child, "unknown-key", message, key=True)
                )
        return problems
    code = "schema-" + re.sub(r"(?<=[a-z])(?=[A-Z])", "-", str(error.validator)).lower()
    return [document.problem(pointer, code, _message(error))]


def _closest_branch(error: ValidationError) -> ValidationError | None:
    """The error of the branch the value was most likely meant for.

    A branch whose ``type`` the value has failed on something deeper; prefer it.
    """
    from jsonschema.exceptions import best_match

    candidates = [item for item in error.context or () if item.validator != "type"]
    if not candidates:
        best: ValidationError | None = best_match(error.context or [])
        return best
    return max(candidates, key=lambda item: len(item.absolute_path))


def _message(error: ValidationError) -> str:
    value: Any = error.validator_value
    instance: Any = error.instance
    kind = _JSON_TYPES.get(type(instance), "a value")
    if error.validator == "type":
        expected = value if isinstance(value, str) else " or ".join(value)
        return f"expected {expected}, found {kind}"
    if error.validator == "enum":
        return f"{_short(instance)} is not one of {', '.join(map(_short, value))}"
    if error.validator == "pattern":
        return f"{_short(instance)} does not match the pattern {value}"
    if error.validator == "required":
        missing = [key for key in value if key not in instance]
        return f"the key {json.dumps(missing[0] if missing else value[0])} is required"
    if error.validator in ("minLength", "minItems"):
        unit = "character" if error.validator == "minLength" else "item"
        return f"{_short(instance)} must have at least {value} {unit}{'s' if value != 1 else ''}"
    if error.validator in ("maxLength", "maxItems"):
        unit = "character" if error.validator == "maxLength" else "item"
        return f"{_short(instance)} must have at most {value} {unit}{'s' if value != 1 else ''}"
    if error.validator == "uniqueItems":
        return f"{_short(instance)} lists a value more than once"
    if error.validator in ("oneOf", "anyOf"):
        return f"{_short(instance)} matches none of the allowed forms"
    if error.validator in (
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
    ):
        words = {
            "minimum": "at least",
            "maximum": "at most",
            "exclusiveMinimum": "greater than",
            "exclusiveMaximum": "less than",
        }
        return f"{_short(instance)} must be {words[error.validator]} {value}"
    if error.validator == "format":
        return f"{_short(instance)} is not a valid {value}"
    return _short(error.message, 200)


def _short(value: Any, limit: int = 60) -> str:
    text = value if isinstance(value, str) and limit == 200 else json.dumps(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
