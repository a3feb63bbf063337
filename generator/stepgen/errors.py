"""Problems and exceptions of the generator.

A :class:`Problem` is one thing wrong with an input, carried as data (code, file, JSON
pointer, line, column, message) from the check that found it to the CLI that prints it.

The exception tree has one root::

    StepgenError
    ├── ManifestInvalid      the manifest has problems; ``.problems`` lists them all
    ├── Untranslatable       a schema the emitters cannot translate exactly
    ├── OutputPathError      an output path would leave the output root
    └── ConfigError          a setting in pyproject.toml or on the command line is wrong
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a manifest, located by file, JSON pointer, line and column."""

    file: str
    line: int
    column: int
    pointer: str
    code: str
    message: str

    def render(self) -> str:
        """Return the one-line form ``file:line:column: code at pointer: message``."""
        where = self.pointer or "/"
        return (
            f"{self.file}:{self.line}:{self.column}: {self.code} at {where}: "
            f"{self.message}"
        )

    def as_dict(self) -> dict[str, object]:
        """Return the problem as a JSON-ready mapping."""
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "pointer": self.pointer,
            "code": self.code,
            "message": self.message,
        }


class StepgenError(Exception):
    """Root of every error stepgen raises on purpose."""


class ManifestInvalid(StepgenError):
    """The manifest has one or more problems; all of them are in ``problems``."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__(f"{len(self.problems)} problem(s) in the manifest")


class Untranslatable(StepgenError):
    """A schema passed the rules but an emitter cannot translate it exactly."""

    def __init__(self, pointer: str, message: str) -> None:
        self.pointer = pointer
        self.message = message
        super().__init__(f"{pointer}: {message}")


class OutputPathError(StepgenError):
    """A generated path would be written outside the output root."""


class ConfigError(StepgenError):
    """A setting is missing or wrong."""
