"""The diff corpus: a base manifest, and change pairs made from it by JSON Patch.

Each file in ``cases/`` holds ``about``, a ``patch`` (the add, remove, replace and
move operations of RFC 6902) applied to the new side, optionally ``both`` (applied to
both sides first) and ``files`` (prompt files replaced on the new side), and
``expect``: the exit code and the ``[classification, rule, where]`` of every change.
"""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).resolve().parent
BASE = CORPUS / "base"
CASES = sorted((CORPUS / "cases").glob("*.json"))


def _tokens(pointer: str) -> list[str]:
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]]


def _walk(data: Any, pointer: str) -> tuple[Any, str]:
    *parents, last = _tokens(pointer)
    for token in parents:
        data = data[int(token)] if isinstance(data, list) else data[token]
    return data, last


def _take(data: Any, pointer: str) -> Any:
    parent, last = _walk(data, pointer)
    return parent.pop(int(last)) if isinstance(parent, list) else parent.pop(last)


def _put(data: Any, pointer: str, value: Any, *, replace: bool) -> None:
    parent, last = _walk(data, pointer)
    if isinstance(parent, list) and last == "-":
        parent.append(value)
    elif isinstance(parent, list) and not replace:
        parent.insert(int(last), value)
    elif isinstance(parent, list):
        parent[int(last)] = value
    else:
        if replace and last not in parent:
            raise KeyError(pointer)
        parent[last] = value


def apply_patch(data: Any, patch: list[dict[str, Any]]) -> Any:
    """Apply the add, remove, replace and move operations of a JSON Patch."""
    result = copy.deepcopy(data)
    for step in patch:
        op = step["op"]
        if op == "remove":
            _take(result, step["path"])
        elif op == "move":
            _put(result, step["path"], _take(result, step["from"]), replace=False)
        elif op in ("add", "replace"):
            value = copy.deepcopy(step["value"])
            _put(result, step["path"], value, replace=op == "replace")
        else:
            raise ValueError(f"unsupported patch operation {op!r}")
    return result


def materialize(
    folder: Path, patch: list[dict[str, Any]], files: dict[str, str] | None = None
) -> Path:
    """Copy the base manifest and its prompts into ``folder``, then apply ``patch``."""
    shutil.copytree(BASE, folder)
    manifest = folder / "pipeline.json"
    data = apply_patch(json.loads(manifest.read_text("utf-8")), patch)
    manifest.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    for name, text in (files or {}).items():
        (folder / name).write_text(text, encoding="utf-8")
    return manifest
