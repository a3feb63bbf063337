"""The drift check: does the output root hold exactly what the manifest produces?

It never writes. When the ownership record proves that neither the inputs nor the
generator changed and every owned file still has its recorded hash, the answer comes
from hashes alone; only otherwise is the tree rendered in memory and compared.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path

from stepgen.record import RECORD_NAME, Record, digest, generator_fingerprint

CHANGED = "changed"
MISSING = "missing"
ORPHANED = "orphaned"
HAND_EDITED = "hand-edited"
RECORD_STALE = "record-stale"


@dataclass(frozen=True)
class Finding:
    """One file that differs from what generation would leave."""

    path: str
    status: str
    expected: bytes | None = field(default=None, repr=False, compare=False)
    actual: bytes | None = field(default=None, repr=False, compare=False)

    def diff(self) -> str:
        """A unified diff from the file on disk to the file generation would write."""
        before = (
            (self.actual or b"").decode("utf-8", "replace").splitlines(keepends=True)
        )
        after = (
            (self.expected or b"").decode("utf-8", "replace").splitlines(keepends=True)
        )
        lines = difflib.unified_diff(
            before, after, f"a/{self.path}", f"b/{self.path}", lineterm="\n"
        )
        return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


@dataclass
class DriftReport:
    """The result of a drift check."""

    findings: list[Finding]
    proved_by: str

    @property
    def clean(self) -> bool:
        """Whether the output matches the manifest exactly."""
        return not self.findings

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready form of the report."""
        return {
            "status": "clean" if self.clean else "drift",
            "provedBy": self.proved_by,
            "files": [
                {"path": item.path, "status": item.status} for item in self.findings
            ],
        }


def check_drift(
    manifest: Path, out: Path, *, want_contents: bool = False
) -> DriftReport:
    """Compare ``out`` with what ``manifest`` produces; raise ManifestInvalid if broken."""
    record = Record.read(out)
    if record is not None and _inputs_unchanged(record, manifest):
        edited = _edited(out, record)
        if not edited:
            return DriftReport([], "hashes")
        if not want_contents:
            return DriftReport(edited, "hashes")
    return _render_and_compare(manifest, out, record)


def _inputs_unchanged(record: Record, manifest: Path) -> bool:
    if manifest.name not in record.inputs:
        return False
    if record.fingerprint != generator_fingerprint():
        return False
    root = manifest.parent
    for name, expected in record.inputs.items():
        try:
            if digest((root / name).read_bytes()) != expected:
                return False
        except OSError:
            return False
    return True


def _edited(out: Path, record: Record) -> list[Finding]:
    findings = []
    for name, expected in sorted(record.files.items()):
        try:
            actual = (out / name).read_bytes()
        except OSError:
            findings.append(Finding(name, MISSING))
            continue
        if digest(actual) != expected:
            findings.append(Finding(name, HAND_EDITED))
    return findings


def _render_and_compare(
    manifest: Path, out: Path, record: Record | None
) -> DriftReport:
    from stepgen.api import render_pipeline
    from stepgen.emit.templating import read_only_template_cache

    read_only_template_cache()
    files, new_record = render_pipeline(manifest)
    recorded = record.files if record else {}
    findings = []
    for name, expected in files.items():
        try:
            actual: bytes | None = (out / name).read_bytes()
        except OSError:
            actual = None
        if actual is None:
            findings.append(Finding(name, MISSING, expected, None))
        elif actual != expected:
            edited = name in recorded and digest(actual) != recorded[name]
            status = HAND_EDITED if edited else CHANGED
            findings.append(Finding(name, status, expected, actual))
    for name in sorted(set(recorded) - set(files)):
        path = out / name
        if path.is_file():
            findings.append(Finding(name, ORPHANED, None, path.read_bytes()))
    if not findings and (
        record is None
        or record.inputs != new_record.inputs
        or record.fingerprint != new_record.fingerprint
    ):
        findings.append(Finding(RECORD_NAME, RECORD_STALE))
    return DriftReport(findings, "render")
