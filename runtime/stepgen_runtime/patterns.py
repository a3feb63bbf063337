"""Regular expressions with one meaning everywhere: ECMAScript's.

A manifest's ``pattern`` is written once and checked by three engines: JavaScript's
``RegExp`` (the TypeScript package), Rust's ``regex`` (pydantic) and Python's ``re``
(the ``jsonschema`` library). They differ in two places that the portable subset still
allows, and these functions rewrite a pattern so the other engines agree with
JavaScript:

- ``.`` matches any character but ``\\n``, ``\\r``, U+2028 and U+2029 in JavaScript,
  but anything but ``\\n`` in Rust and Python;
- ``$`` matches only at the very end in JavaScript and Rust, but also before a final
  ``\\n`` in Python.
"""

from __future__ import annotations

import re
from functools import lru_cache

_DOT = "[^\n\r\u2028\u2029]"


def _rewrite(pattern: str, *, dollar: str) -> str:
    out = []
    in_class = False
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            out.append(pattern[index : index + 2])
            index += 2
            continue
        if in_class:
            in_class = char != "]"
            out.append(char)
        elif char == "[":
            in_class = True
            out.append(char)
            if pattern[index + 1 : index + 2] == "]":
                out.append("]")
                index += 1
        elif char == ".":
            out.append(_DOT)
        elif char == "$":
            out.append(dollar)
        else:
            out.append(char)
        index += 1
    return "".join(out)


def for_rust(pattern: str) -> str:
    """``pattern`` rewritten for pydantic's Rust engine."""
    return _rewrite(pattern, dollar="$")


def for_python(pattern: str) -> str:
    """``pattern`` rewritten for Python's ``re``."""
    return _rewrite(pattern, dollar=r"\Z")


@lru_cache(maxsize=256)
def compiled(pattern: str) -> re.Pattern[str]:
    """``pattern`` compiled for Python with ECMAScript's meaning."""
    return re.compile(for_python(pattern))


def search(pattern: str, value: str) -> bool:
    """Whether ``pattern`` matches anywhere in ``value``, as JavaScript would say."""
    return compiled(pattern).search(value) is not None
