"""The generator's entry points: validate, render, generate.

The CLI calls these; so can any other program. They raise
:class:`~stepgen.errors.StepgenError` subclasses and print nothing.
"""

from __future__ import annotations

from pathlib import Path

from stepgen.build import render_tree
from stepgen.errors import ManifestInvalid, Untranslatable
from stepgen.ir import Pipeline
from stepgen.manifest import load_pipeline
from stepgen.record import Record, generator_fingerprint, input_hashes
from stepgen.settings import shown
from stepgen.writer import WriteResult, write_tree


def validate(manifest: Path) -> Pipeline:
    """Check the manifest; return its model or raise ManifestInvalid."""
    return load_pipeline(manifest, display=shown(manifest))


def render_pipeline(manifest: Path) -> tuple[dict[str, bytes], Record]:
    """Render every output file in memory, with the record that would describe them."""
    pipeline = load_pipeline(manifest, display=shown(manifest))
    try:
        files = render_tree(pipeline)
    except Untranslatable as error:
        problem = pipeline.problem(error.pointer, "untranslatable", error.message)
        raise ManifestInvalid([problem]) from error
    record = Record(generator_fingerprint(), input_hashes(pipeline.inputs))
    return files, record


def generate(manifest: Path, out: Path) -> WriteResult:
    """Generate into ``out``; on any error, ``out`` is left exactly as it was."""
    files, record = render_pipeline(manifest)
    return write_tree(out, files, record)
