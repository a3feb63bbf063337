"""A JSON document read from disk, with the line and column of every value on demand.

Parsing uses the C JSON decoder; the position index is built only when a problem has
to be located, so a valid manifest never pays for it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from stepgen.errors import Problem

_WS = re.compile(r"[ \t\n\r]*")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_DECODER = json.JSONDecoder()
_scanstring: Callable[[str, int], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]
_SCALAR = re.compile(
    r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?|true|false|null"
)


def escape_token(token: str) -> str:
    """Escape one reference token for a JSON pointer (RFC 6901)."""
    return token.replace("~", "~0").replace("/", "~1")


def pointer_of(parts: tuple[str | int, ...] | list[str | int]) -> str:
    """Join path parts into a JSON pointer."""
    return "".join("/" + escape_token(str(part)) for part in parts)


class _DuplicateKey(Exception):
    pass


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise _DuplicateKey
    return result


@dataclass
class Document:
    """The text and parsed value of one JSON file."""

    path: Path
    display: str
    text: str
    data: Any = None
    _duplicates: list[tuple[str, int]] = field(default_factory=list, repr=False)

    def position(self, pointer: str, *, key: bool = False) -> tuple[int, int]:
        """Return the 1-based line and column of the value (or key) at ``pointer``.

        The text is walked along the pointer only, skipping siblings with the C JSON
        decoder. An unknown pointer falls back to its nearest known parent.
        """
        value_at, key_at = self._walk(pointer)
        offset = key_at if key and key_at is not None else value_at
        return self.line_column(offset)

    def _walk(self, pointer: str) -> tuple[int, int | None]:
        pos = self._skip(0)
        key_at: int | None = None
        tokens = [] if not pointer else pointer[1:].split("/")
        for raw in tokens:
            token = raw.replace("~1", "/").replace("~0", "~")
            found = self._child(pos, token)
            if found is None:
                break
            key_at, pos = found
        return pos, key_at

    def _child(self, pos: int, token: str) -> tuple[int | None, int] | None:
        """Key and value offsets of ``token`` in the container at ``pos``, if present."""
        text = self.text
        if pos >= len(text) or text[pos] not in "{[":
            return None
        opening = text[pos]
        pos = self._skip(pos + 1)
        index = 0
        while pos < len(text) and text[pos] not in "}]":
            key_at: int | None = None
            name: str | None = None
            if opening == "{":
                key_at = pos
                name, pos = _scanstring(text, pos + 1)
                pos = self._skip(self._skip(pos) + 1)
            matched = name == token if opening == "{" else str(index) == token
            if matched:
                return key_at, pos
            try:
                pos = self._skip(_DECODER.raw_decode(text, pos)[1])
            except ValueError:
                return None
            if pos < len(text) and text[pos] == ",":
                pos = self._skip(pos + 1)
            index += 1
        return None

    def problem(
        self, pointer: str, code: str, message: str, *, key: bool = False
    ) -> Problem:
        """Build a problem located at ``pointer`` in this document."""
        line, column = self.position(pointer, key=key)
        return Problem(self.display, line, column, pointer, code, message)

    def duplicate_keys(self) -> list[Problem]:
        """Return a problem for each key that appears again in the same object."""
        self._scan(self._skip(0), ())
        problems = []
        for pointer, offset in self._duplicates:
            line, column = self.line_column(offset)
            name = json.loads(self.text[offset : _STRING.match(self.text, offset).end()])  # type: ignore[union-attr]
            message = f"the key {name!r} appears more than once in this object"
            problems.append(
                Problem(self.display, line, column, pointer, "duplicate-key", message)
            )
        return problems

    def line_column(self, offset: int) -> tuple[int, int]:
        """The 1-based line and column of the character at ``offset``."""
        line = self.text.count("\n", 0, offset) + 1
        start = self.text.rfind("\n", 0, offset) + 1
        return line, offset - start + 1

    def _skip(self, pos: int) -> int:
        return _WS.match(self.text, pos).end()  # type: ignore[union-attr]

    def _scan(self, pos: int, path: tuple[str | int, ...]) -> int:
        text = self.text
        char = text[pos]
        if char == "{":
            pos = self._skip(pos + 1)
            seen: set[str] = set()
            while text[pos] != "}":
                match = _STRING.match(text, pos)
                assert match is not None
                name = json.loads(match.group())
                child = (*path, name)
                child_pointer = pointer_of(child)
                if name in seen:
                    self._duplicates.append((child_pointer, pos))
                seen.add(name)
                pos = self._skip(match.end())
                pos = self._skip(pos + 1)  # the colon
                pos = self._skip(self._scan(pos, child))
                if text[pos] == ",":
                    pos = self._skip(pos + 1)
            return pos + 1
        if char == "[":
            pos = self._skip(pos + 1)
            index = 0
            while text[pos] != "]":
                pos = self._skip(self._scan(pos, (*path, index)))
                index += 1
                if text[pos] == ",":
                    pos = self._skip(pos + 1)
            return pos + 1
        match = (_STRING if char == '"' else _SCALAR).match(text, pos)
        assert match is not None
        return match.end()


_SYNTAX_WORDING = {
    "Unterminated string starting at": "a string is not closed",
    "Invalid control character at": (
        "a raw control character (such as a line break or a tab) inside a string; "
        "escape it, e.g. \\n"
    ),
    "Extra data": "extra data after the JSON value",
}


class _Constant(Exception):
    pass


def _refuse_constant(name: str) -> object:
    raise _Constant(name)


def _loads(text: str, **hooks: object) -> object:
    return json.loads(text, parse_constant=_refuse_constant, **hooks)  # type: ignore[arg-type]


def read_document(path: Path, display: str) -> tuple[Document, list[Problem]]:
    """Read and parse ``path``; return the document and any syntax problems."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        reason = error.strerror or str(error)
        message = f"cannot read the file: {reason}"
        return Document(path, display, ""), [
            Problem(display, 1, 1, "", "file-unreadable", message)
        ]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        before = raw[: error.start]
        line = before.count(b"\n") + 1
        column = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", "replace")) + 1
        message = (
            f"the file is not UTF-8: byte 0x{raw[error.start]:02x} ({error.reason})"
        )
        return Document(path, display, ""), [
            Problem(display, line, column, "", "not-utf8", message)
        ]
    if text.startswith("\ufeff"):
        text = text[1:]
    document = Document(path, display, text)
    try:
        document.data = _loads(text, object_pairs_hook=_reject_duplicates)
    except _DuplicateKey:
        try:
            document.data = _loads(text)
        except (json.JSONDecodeError, _Constant, RecursionError) as error:
            return document, [_syntax_problem(document, error)]
        return document, document.duplicate_keys()
    except (json.JSONDecodeError, _Constant, RecursionError) as error:
        return document, [_syntax_problem(document, error)]
    return document, []


def _syntax_problem(document: Document, error: Exception) -> Problem:
    display = document.display
    if isinstance(error, json.JSONDecodeError):
        message = _SYNTAX_WORDING.get(error.msg, error.msg.removesuffix(" at"))
        return Problem(display, error.lineno, error.colno, "", "json-syntax", message)
    if isinstance(error, _Constant):
        found = re.search(rf"(?<![A-Za-z\"]){re.escape(str(error))}", document.text)
        offset = found.start() if found else 0
        line, column = document.line_column(offset)
        message = f"{error} is not JSON: numbers must be finite"
        return Problem(display, line, column, "", "json-syntax", message)
    return Problem(
        display, 1, 1, "", "json-syntax", "the document is nested too deeply"
    )
