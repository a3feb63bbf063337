"""The ownership record kept in the output root, and the fingerprints it holds.

The record lists every file the generator owns with its hash, and the hashes of the
inputs that produced them. This module imports nothing heavy, because the drift
check's fast path runs on it alone.
"""

from __future__ import annotations

import hashlib
import json
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
    from importlib import metadata

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
        try:
            hasher.update(f"{tool}={metadata.version(tool)}".encode())
        except metadata.PackageNotFoundError:
            hasher.update(f"{tool}=missing".encode())
    return hasher.hexdigest()


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
