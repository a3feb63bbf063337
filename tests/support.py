"""Helpers for tests that generate a package and import it."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType


def tree(root: Path) -> dict[str, bytes]:
    """Every file below ``root``, by relative path, with its bytes."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def import_generated(out: Path, package: str) -> ModuleType:
    """Import ``package`` fresh from ``out/python``, forgetting any earlier copy."""
    for name in list(sys.modules):
        if name == package or name.startswith(package + "."):
            del sys.modules[name]
    location = str(out / "python")
    if location in sys.path:
        sys.path.remove(location)
    sys.path.insert(0, location)
    importlib.invalidate_caches()
    try:
        return importlib.import_module(package)
    finally:
        sys.path.remove(location)
