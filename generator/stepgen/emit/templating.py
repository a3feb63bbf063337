"""The jinja2 environment every emitter renders with, and its serializing filters.

Text from a manifest reaches generated code only through these filters: ``py`` writes
a Python literal, ``toml`` a TOML string, ``ts`` a TypeScript literal, ``ident`` checks
an identifier. Templates never interpolate raw text.
"""

from __future__ import annotations

import json
import keyword
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

TEMPLATES = Path(__file__).resolve().parents[3] / "templates"


class UnsafeIdentifier(ValueError):
    """A value was about to become an identifier in generated code, but is not one."""


def py_literal(value: Any) -> str:
    """Write ``value`` (JSON data or a tuple of it) as a Python literal."""
    if value is None or isinstance(value, bool | int | float | str):
        return repr(value)
    if isinstance(value, tuple):
        inner = ", ".join(py_literal(item) for item in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, list):
        return "[" + ", ".join(py_literal(item) for item in value) + "]"
    if isinstance(value, dict):
        pairs = (
            f"{py_literal(str(key))}: {py_literal(item)}" for key, item in value.items()
        )
        return "{" + ", ".join(pairs) + "}"
    raise TypeError(f"cannot write {type(value).__name__} as a Python literal")


def canonical_json(value: Any) -> str:
    """Compact JSON text of ``value``, keys in manifest order, non-ASCII kept."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def ts_literal(value: Any) -> str:
    """Write JSON data as a TypeScript literal; line separators are escaped too."""
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def toml_string(value: str) -> str:
    """Write ``value`` as a TOML basic string."""
    return json.dumps(value, ensure_ascii=True)


def markdown_cell(value: object) -> str:
    """Write ``value`` as text for one Markdown table cell: one line, pipes escaped."""
    text = " ".join(str(value).split())
    for char in ("\\", "|", "<", ">", "`", "*", "_", "[", "]"):
        text = text.replace(char, "\\" + char)
    return text


def identifier(value: str) -> str:
    """Return ``value`` if it is a safe identifier in Python and TypeScript."""
    if not value.isidentifier() or not value.isascii() or keyword.iskeyword(value):
        raise UnsafeIdentifier(f"{value!r} is not a safe identifier")
    return value


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The shared environment: strict about undefined names, exact about whitespace."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters.update(
        py=py_literal,
        json=canonical_json,
        ts=ts_literal,
        toml=toml_string,
        ident=identifier,
        md=markdown_cell,
    )
    return env


def render(template: str, **context: Any) -> str:
    """Render one template file with ``context``."""
    return environment().get_template(template).render(**context)
