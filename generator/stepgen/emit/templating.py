"""The jinja2 environment every emitter renders with, and its serializing filters.

Text from a manifest reaches generated code only through these filters: ``py`` writes
a Python literal, ``toml`` a TOML string, ``ts`` a TypeScript literal, ``ident`` checks
an identifier. Templates never interpolate raw text.
"""

from __future__ import annotations

import contextlib
import functools
import json
import keyword
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from stepgen.emit.content import Rendered, layout_key

TEMPLATES = Path(__file__).resolve().parents[3] / "templates"


class UnsafeIdentifier(ValueError):
    """A value was about to become an identifier in generated code, but is not one."""


_UNESCAPED_DOUBLE = re.compile(r'(([^\\]|^)(\\\\)*)"')
_ESCAPED_SINGLE = re.compile(r"([^\\]|^)\\((?:\\\\)*)'")


def _twice(pattern: re.Pattern[str], replacement: str, text: str) -> str:
    return pattern.sub(replacement, pattern.sub(replacement, text))


def py_string(value: str) -> str:
    """Write ``value`` as a Python string literal, quoted as black would leave it.

    ``repr`` gives a correct literal; black then prefers double quotes unless they
    need more backslashes than the single-quoted form.
    """
    literal = repr(value)
    if literal[0] == '"':
        return literal
    if "'" not in value:
        # repr left every double quote bare: turning them round would escape each.
        return literal if '"' in value else f'"{literal[1:-1]}"'
    body = literal[1:-1]
    new_body = _twice(_ESCAPED_SINGLE, r"\1\2'", body)
    new_body = _twice(_UNESCAPED_DOUBLE, r'\1\\"', new_body)
    if new_body.count("\\") > body.count("\\"):
        return literal
    return f'"{new_body}"'


def py_literal(value: Any) -> str:
    """Write ``value`` (JSON data or a tuple of it) as a Python literal."""
    if isinstance(value, str):
        return py_string(value)
    if value is None or isinstance(value, bool | int | float):
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


def py_tuple(values: Any, indent: int = 0) -> str:
    """Write a tuple so that black leaves it as it is: one item inline, more exploded."""
    items = [py_literal(value) for value in values]
    if len(items) <= 1:
        return py_literal(tuple(values))
    inner = " " * (indent + 4)
    lines = "".join(f"{inner}{item},\n" for item in items)
    return f"(\n{lines}{' ' * indent})"


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


class _CompiledTemplates(jinja2.FileSystemBytecodeCache):
    """Compiled templates kept between runs, keyed by each template's source.

    Compiling the templates costs more than rendering them. A cache that cannot be
    written is only a slower run, never a failed one.
    """

    writable = True

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        """Store a compiled template if the cache folder allows it."""
        if self.writable:
            with contextlib.suppress(OSError):
                super().dump_bytecode(bucket)


def read_only_template_cache() -> None:
    """Use compiled templates that are kept, but keep no new ones: for commands that
    promise to write nothing."""
    _CompiledTemplates.writable = False


def _template_cache() -> jinja2.BytecodeCache | None:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache")
    folder = Path(base) / "stepgen" / f"templates-jinja2-{jinja2.__version__}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return _CompiledTemplates(str(folder))


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The shared environment: strict about undefined names, exact about whitespace."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        bytecode_cache=_template_cache(),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.filters.update(
        py=py_literal,
        py_tuple=py_tuple,
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


def later(template: str, **context: Any) -> Rendered:
    """One template file with ``context`` (which holds the ``pipeline``), rendered
    when the tree is assembled; it is made from the manifest's own text alone."""
    key = layout_key(context["pipeline"], template)
    return Rendered(functools.partial(render, template, **context), key)
