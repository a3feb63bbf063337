"""Reading the enums of a ``schema.prisma`` and comparing them with the manifest's.

The database and the manifest must not drift: the PostgreSQL enum types that Prisma
creates carry the values of the stage list and of the manifest's enums, in order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stepgen.ir import Pipeline

_IDENTIFIER = re.compile(r"\w+")
_VALUE_NAME = re.compile(r"[^\W\d_]\w*")
_BLANK = " \t\ufeff"
_LINE_END = re.compile(r"[\r\n]")
_UNICODE_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})")
_ESCAPES = {
    '"': '"',
    "\\": "\\",
    "/": "/",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
}
REQUIRED = ("JobStage", "ArtifactType")


@dataclass(frozen=True)
class EnumValue:
    """One value of a Prisma enum: its name in the client and its name in the database."""

    name: str
    db_name: str | None = None

    @property
    def stored(self) -> str:
        """The value as the database stores it."""
        return self.db_name if self.db_name is not None else self.name


@dataclass(frozen=True)
class PrismaEnum:
    """One ``enum`` block of a Prisma schema."""

    name: str
    values: tuple[EnumValue, ...]
    db_name: str | None = None


@dataclass(frozen=True)
class _Token:
    """One token of a Prisma schema: its kind, its text (a string's decoded value)."""

    kind: str  # "name", "string", "newline" or the punctuation itself
    text: str


def _decode(raw: str) -> str:
    """A Prisma string's value: JSON's escapes, surrogate pairs joined."""
    out = []
    index = 0
    while index < len(raw):
        found = _UNICODE_ESCAPE.match(raw, index)
        if found:
            out.append(chr(int(found.group(1), 16)))
            index = found.end()
        elif raw[index] == "\\" and raw[index + 1 : index + 2] in _ESCAPES:
            out.append(_ESCAPES[raw[index + 1]])
            index += 2
        elif raw[index] == "\\":  # Prisma refuses the schema; keep what is written
            out.append(raw[index : index + 2])
            index += 2
        else:
            out.append(raw[index])
            index += 1
    text = "".join(out)
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _string_end(text: str, start: int) -> int:
    """Where the string opened at ``start`` ends: its closing quote or its line end."""
    index = start + 1
    while index < len(text) and text[index] not in '"\r\n':
        escaped = text[index] == "\\" and text[index + 1 : index + 2] not in (
            "\r",
            "\n",
        )
        index += 2 if escaped else 1
    return min(index, len(text))


def _tokens(text: str) -> list[_Token]:
    """The tokens of ``text``, without comments.

    ``//`` and ``///`` comments run to the end of their line, and a string (with its
    escapes) is one token, so a brace, a quote or ``@map`` inside either is text.
    A line ends at ``\\n``, ``\\r\\n`` or ``\\r``, as in Prisma's parser.
    """
    tokens = []
    index = 0
    while index < len(text):
        char = text[index]
        if char in _BLANK:
            index += 1
        elif char in "\r\n":
            tokens.append(_Token("newline", "\n"))
            index += 1
        elif text.startswith("//", index):
            found = _LINE_END.search(text, index)
            index = found.start() if found else len(text)
        elif char == '"':
            end = _string_end(text, index)
            tokens.append(_Token("string", _decode(text[index + 1 : end])))
            index = end + 1 if text.startswith('"', end) else end
        elif text.startswith("@@", index):
            tokens.append(_Token("@@", "@@"))
            index += 2
        elif found := _IDENTIFIER.match(text, index):
            tokens.append(_Token("name", found.group()))
            index = found.end()
        else:
            tokens.append(_Token(char, char))
            index += 1
    return tokens


def _lines(tokens: list[_Token]) -> list[list[_Token]]:
    lines: list[list[_Token]] = [[]]
    for token in tokens:
        if token.kind == "newline":
            lines.append([])
        else:
            lines[-1].append(token)
    return [line for line in lines if line]


def _mapped(line: list[_Token], marker: str) -> str | None:
    """The name in ``@map("…")`` (``marker`` "@") or ``@@map("…")`` ("@@") on
    ``line``, also written ``map(name: "…")``."""
    kinds = [token.kind for token in line]
    for index in range(len(line) - 1):
        if kinds[index] != marker or line[index + 1].text != "map":
            continue
        after = kinds[index + 2 : index + 7]
        if after[:3] == ["(", "string", ")"]:
            return line[index + 3].text
        if (
            after == ["(", "name", ":", "string", ")"]
            and line[index + 3].text == "name"
        ):
            return line[index + 5].text
    return None


def _enum(name: str, body: list[list[_Token]]) -> PrismaEnum:
    values: list[EnumValue] = []
    db_name = None
    for line in body:
        first = line[0]
        if first.kind == "@@":
            mapped = _mapped(line, "@@")
            db_name = mapped if mapped is not None else db_name
        elif first.kind == "name" and _VALUE_NAME.fullmatch(first.text):
            values.append(EnumValue(first.text, _mapped(line, "@")))
    return PrismaEnum(name, tuple(values), db_name)


def read_enums(text: str) -> dict[str, PrismaEnum]:
    """Every enum of a Prisma schema, by name, with values in declaration order.

    Braces, quotes and ``@map`` inside comments and strings are text, not syntax,
    wherever they stand, as for Prisma's own parser; blocks other than ``enum``
    (``model``, ``generator``, …) are skipped whole.
    """
    tokens = _tokens(text)
    enums: dict[str, PrismaEnum] = {}
    index = 0
    while index < len(tokens):
        kinds = [token.kind for token in tokens[index : index + 3]]
        if kinds == ["name", "name", "{"] and tokens[index].text == "enum":
            name = tokens[index + 1].text
            end = index + 3
            while end < len(tokens) and tokens[end].kind != "}":
                end += 1
            enums[name] = _enum(name, _lines(tokens[index + 3 : end]))
            index = end + 1
        elif kinds[0] == "{":
            depth = 1
            index += 1
            while index < len(tokens) and depth:
                depth += {"{": 1, "}": -1}.get(tokens[index].kind, 0)
                index += 1
        else:
            index += 1
    return enums


def compare_enums(pipeline: Pipeline, enums: dict[str, PrismaEnum]) -> list[str]:
    """One plain sentence for every way the Prisma enums differ from the manifest's."""
    findings = []
    for name, expected in pipeline.enums.items():
        found = enums.get(name)
        if found is None:
            if name in REQUIRED:
                findings.append(f"enum {name} is missing from schema.prisma")
            continue
        if found.db_name is not None and found.db_name != name:
            findings.append(
                f"enum {name} is mapped to the database type {found.db_name!r}; "
                f"the manifest expects {name!r}"
            )
        stored = [value.stored for value in found.values]
        missing = [value for value in expected if value not in stored]
        extra = [value for value in stored if value not in expected]
        if missing:
            findings.append(f"enum {name}: schema.prisma lacks {', '.join(missing)}")
        if extra:
            findings.append(
                f"enum {name}: schema.prisma has {', '.join(extra)}, "
                "which the manifest does not"
            )
        if not missing and not extra and stored != list(expected):
            findings.append(
                f"enum {name}: the order differs: schema.prisma has {', '.join(stored)}; "
                f"the manifest has {', '.join(expected)}"
            )
    return findings
