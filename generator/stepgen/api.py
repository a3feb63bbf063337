"""The generator's entry points: validate, render, generate.

The CLI calls these; so can any other program. They raise
:class:`~stepgen.errors.StepgenError` subclasses and print nothing.
"""

from __future__ import annotations

from pathlib import Path

from stepgen.build import Memo, render_tree
from stepgen.errors import ManifestInvalid, Untranslatable
from stepgen.ir import Pipeline
from stepgen.manifest import load_pipeline
from stepgen.record import Record, generator_fingerprint, input_hashes
from stepgen.settings import shown
from stepgen.writer import WriteResult, write_tree


def validate(manifest: Path) -> Pipeline:
    """Check the manifest; return its model or raise ManifestInvalid."""
    return load_pipeline(manifest, display=shown(manifest))


def render_pipeline(
    manifest: Path, out: Path | None = None
) -> tuple[dict[str, bytes], Record]:
    """Render every output file in memory, with the record that would describe them.

    With ``out``, files whose inputs did not change since the generation recorded
    there are reused instead of being produced again.
    """
    pipeline = load_pipeline(manifest, display=shown(manifest))
    fingerprint = generator_fingerprint()
    memo = Memo(out, Record.read(out), fingerprint) if out is not None else Memo()
    try:
        files, keys = render_tree(pipeline, memo)
    except Untranslatable as error:
        problem = pipeline.problem(error.pointer, "untranslatable", error.message)
        raise ManifestInvalid([problem]) from error
    record = Record(fingerprint, input_hashes(pipeline.inputs), memo=keys)
    return files, record


def generate(manifest: Path, out: Path) -> WriteResult:
    """Generate into ``out``; on any error, ``out`` is left exactly as it was."""
    files, record = render_pipeline(manifest, out)
    return write_tree(out, files, record)
