"""The ownership record kept in the output root, and the fingerprints it holds.

The record lists every file the generator owns with its hash, and the hashes of the
inputs that produced them. This module imports nothing heavy, because the drift
check's fast path runs on it alone.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

RECORD_NAME = "stepgen.lock.json"
_GENERATOR_ROOT = Path(__file__).resolve().parent
_TEMPLATES = _GENERATOR_ROOT.parents[1] / "templates"
_RUNTIME_ROOT = _GENERATOR_ROOT.parents[1] / "runtime" / "stepgen_runtime"
# What shapes the output besides the manifest: the loader, the emitters and the
# templates, and the runtime's naming and pattern rules that both of them apply.
_SHAPING = (
    (_GENERATOR_ROOT, ("manifest", "emit", "ir.py", "schemas.py", "build.py")),
    (_TEMPLATES, ("",)),
    (_RUNTIME_ROOT, ("patterns.py", "naming.py", "stepgen.schema.json")),
)
_TOOLS = ("black", "datamodel-code-generator")


def digest(data: bytes) -> str:
    """The sha256 of ``data``, in hex."""
    return hashlib.sha256(data).hexdigest()


def generator_fingerprint() -> str:
    """One hash of everything besides the manifest that shapes the output.

    The code that loads and emits, the templates, and the versions of the formatter
    and the model generator: when any of them changes, the output must be rendered
    again. The command line and other code that writes nothing are left out.
    """
    hasher = hashlib.sha256()
    for root, parts in _SHAPING:
        for part in parts:
            target = root / part
            paths = sorted(target.rglob("*")) if target.is_dir() else [target]
            for path in paths:
                if path.is_file() and path.suffix in (".py", ".jinja", ".json"):
                    hasher.update(path.relative_to(root).as_posix().encode())
                    hasher.update(path.read_bytes())
    for tool in _TOOLS:
        hasher.update(f"{tool}={tool_version(tool)}".encode())
    return hasher.hexdigest()


def tool_version(name: str) -> str:
    """The installed version of the distribution ``name``, or ``missing``.

    A wheel's install folder is named ``{name}-{version}.dist-info``, which is found
    without loading :mod:`importlib.metadata` (and the email parser it needs) on the
    path of every command; other installs are asked through it.
    """
    prefix = name.replace("-", "_").lower() + "-"
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for item in names:
            if item.endswith(".dist-info") and item.lower().startswith(prefix):
                return item[len(prefix) : -len(".dist-info")]
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "missing"


@dataclass
class Record:
    """What the last generation wrote, and from what."""

    fingerprint: str = ""
    inputs: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    memo: dict[str, str] = field(default_factory=dict)

    def to_bytes(self) -> bytes:
        """Serialize deterministically."""
        body = {
            "about": "Files stepgen owns in this folder, with their sha256. Do not edit.",
            "fingerprint": self.fingerprint,
            "inputs": dict(sorted(self.inputs.items())),
            "files": dict(sorted(self.files.items())),
            "memo": dict(sorted(self.memo.items())),
        }
        return (json.dumps(body, indent=2, ensure_ascii=False) + "\n").encode("utf-8")

    @classmethod
    def read(cls, out: Path) -> Record | None:
        """Read the record in ``out``; None when there is none or it is unreadable."""
        try:
            body = json.loads((out / RECORD_NAME).read_text("utf-8"))
            return cls(
                body["fingerprint"],
                dict(body["inputs"]),
                dict(body["files"]),
                dict(body.get("memo", {})),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None


def input_hashes(inputs: dict[str, bytes]) -> dict[str, str]:
    """Hashes of the manifest and the files it references, by path."""
    return {name: digest(data) for name, data in inputs.items()}
