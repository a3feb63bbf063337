"""Schema descriptions and titles as the Python models' documentation.

datamodel-code-generator writes a description as the docstring of its class or field,
and black rewrites docstrings: it breaks lines where Python's ``str.splitlines`` does,
expands leading tabs, takes away the indentation the lines share and trailing
whitespace. Text handed to the model generator is put in that shape first, so the
module comes out as black leaves it. Only the Python documentation changes: the
published JSON Schemas keep the manifest's text exactly.
"""

from __future__ import annotations

import re
from typing import Any

# Every character str.splitlines() breaks a line at; \r\n is one break.
LINE_BREAK = re.compile("\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
TAB_SIZE = 4
DOCUMENTATION = ("description", "title")


def as_docstring(text: str) -> str:
    """``text`` laid out as black lays out a docstring.

    Lines are broken at every line-breaking character and joined with ``\\n``;
    leading tabs become spaces, trailing whitespace and the indentation every line
    shares go, and so do blank lines at the start and the end. The indentation of
    lines relative to each other is kept.
    """
    lines = [_expand_leading_tabs(line.rstrip()) for line in LINE_BREAK.split(text)]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    shared = min((_indent(line) for line in lines if line), default=0)
    return "\n".join(line[shared:] for line in lines)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _expand_leading_tabs(line: str) -> str:
    width = _indent(line)
    return line[:width].expandtabs(TAB_SIZE) + line[width:]


def documented(node: dict[str, Any]) -> dict[str, Any]:
    """``node`` with its ``description`` and ``title`` as :func:`as_docstring` lays
    them out; changed in place."""
    for word in DOCUMENTATION:
        if isinstance(node.get(word), str):
            node[word] = as_docstring(node[word])
    return node
