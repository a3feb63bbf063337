"""Where the manifest and the output live: ``[tool.stepgen]``, then flags.

The file-facing settings are read from the nearest ``pyproject.toml``; flags left
unset on the command line never override them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

DEFAULT_MANIFEST = "schema/pipeline.json"
DEFAULT_OUT = "generated"


@dataclass(frozen=True)
class Settings:
    """Resolved paths for one command."""

    manifest: Path
    out: Path


def shown(path: Path) -> str:
    """``path`` as the user should read it: relative to the working folder if inside."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def find_pyproject(start: Path) -> Path | None:
    """The nearest ``pyproject.toml`` at or above ``start``."""
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def resolve(manifest: str | None, out: str | None, cwd: Path | None = None) -> Settings:
    """Combine flags with ``[tool.stepgen]``; flags win, unset flags do not."""
    here = cwd or Path.cwd()
    table, base = _project(here)
    chosen_manifest = _path(manifest, here) or _path(table.get("manifest"), base)
    chosen_out = _path(out, here) or _path(table.get("out"), base)
    return Settings(
        manifest=chosen_manifest or base / DEFAULT_MANIFEST,
        out=chosen_out or base / DEFAULT_OUT,
    )


def output_root(out: str | None, cwd: Path | None = None) -> Path:
    """The output root :func:`resolve` finds, reading ``pyproject.toml`` only when
    the flag is unset."""
    here = cwd or Path.cwd()
    if out is None:
        return resolve(None, None, here).out
    return here / _checked(out)


def _project(here: Path) -> tuple[dict[str, Any], Path]:
    """The ``[tool.stepgen]`` table that applies at ``here``, and the folder its paths
    are relative to (``here`` when there is none)."""
    pyproject = find_pyproject(here)
    if pyproject is None:
        return {}, here
    import tomllib

    try:
        data = tomllib.loads(pyproject.read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        _refuse(f"cannot read {pyproject}: {error}")
    section = data.get("tool", {}).get("stepgen")
    if isinstance(section, dict):
        return section, pyproject.parent
    return {}, here


def _path(value: object, base: Path) -> Path | None:
    return None if value is None else base / _checked(value)


def _checked(value: object) -> str:
    if not isinstance(value, str) or not value:
        _refuse(f"[tool.stepgen] paths must be non-empty strings, not {value!r}")
    return value


def _refuse(message: str) -> NoReturn:
    from stepgen.errors import ConfigError

    raise ConfigError(message)
