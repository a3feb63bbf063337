"""Reading the enums of a ``schema.prisma`` and comparing them with the manifest's.

The database and the manifest must not drift: the PostgreSQL enum types that Prisma
creates carry the values of the stage list and of the manifest's enums, in order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from stepgen.ir import Pipeline

_ENUM = re.compile(r"^\s*enum\s+([A-Za-z][A-Za-z0-9_]*)\s*\{", re.MULTILINE)
_MAP = re.compile(r'@map\(\s*(?:name\s*:\s*)?"((?:[^"\\]|\\.)*)"\s*\)')
_VALUE = re.compile(r"^([A-Za-z][A-Za-z0-9_]*)\b(.*)$")
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


def _strip_comment(line: str) -> str:
    in_string = False
    escaped = False
    for index, char in enumerate(line):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == '"':
            in_string = not in_string
        elif not in_string and line.startswith("//", index):
            return line[:index]
    return line


def read_enums(text: str) -> dict[str, PrismaEnum]:
    """Every enum of a Prisma schema, by name, with values in declaration order."""
    enums: dict[str, PrismaEnum] = {}
    for match in _ENUM.finditer(text):
        body_end = text.find("}", match.end())
        body = text[match.end() : body_end if body_end >= 0 else len(text)]
        values: list[EnumValue] = []
        db_name = None
        for raw in body.splitlines():
            line = _strip_comment(raw).strip()
            if not line:
                continue
            if line.startswith("@@"):
                mapped = _MAP.search(line.replace("@@map", "@map", 1))
                db_name = mapped.group(1) if mapped else db_name
                continue
            found = _VALUE.match(line)
            if found:
                mapped = _MAP.search(found.group(2))
                values.append(
                    EnumValue(found.group(1), mapped.group(1) if mapped else None)
                )
        enums[match.group(1)] = PrismaEnum(match.group(1), tuple(values), db_name)
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
