"""Shared fixtures: the repository's manifest, copies of it, and a CLI runner."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner
from stepgen.cli import main

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "schema"
MANIFEST = SCHEMA / "pipeline.json"


@dataclass
class CliResult:
    """What one CLI call printed and returned."""

    exit_code: int
    stdout: str
    stderr: str
    exception: BaseException | None


def invoke(*args: str) -> CliResult:
    """Run ``stepgen`` in-process with ``args``; a traceback becomes ``exception``."""
    result = CliRunner().invoke(main, list(args), catch_exceptions=True)
    unexpected = (
        result.exception if not isinstance(result.exception, SystemExit) else None
    )
    return CliResult(result.exit_code, result.stdout, result.stderr, unexpected)


@pytest.fixture
def cli() -> Callable[..., CliResult]:
    """The in-process CLI runner."""
    return invoke


@pytest.fixture
def schema_copy(tmp_path: Path) -> Path:
    """A writable copy of ``schema/`` (manifest and prompts); returns the manifest path."""
    target = tmp_path / "schema"
    shutil.copytree(SCHEMA, target, symlinks=False)
    return target / "pipeline.json"
