"""The generator's entry points: validate, render, generate.

The CLI calls these; so can any other program. They raise
:class:`~stepgen.errors.StepgenError` subclasses and print nothing. The heavy parts
(the loader, the emitters) are imported inside the functions, after the model
worker has been started, so that both get going at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from stepgen.emit.model_worker import ModelWorker
from stepgen.errors import ManifestInvalid, Untranslatable
from stepgen.record import Record, generator_fingerprint, input_hashes
from stepgen.settings import shown

if TYPE_CHECKING:
    from stepgen.ir import Pipeline
    from stepgen.writer import WriteResult


def validate(manifest: Path, conforming: str | None = None) -> Pipeline:
    """Check the manifest; return its model or raise ManifestInvalid.

    ``conforming``: the hash of a manifest text known to pass the meta-schema.
    """
    from stepgen.manifest import load_pipeline

    return load_pipeline(manifest, display=shown(manifest), conforming=conforming)


def render_pipeline(
    manifest: Path, out: Path | None = None
) -> tuple[dict[str, bytes], Record]:
    """Render every output file in memory, with the record that would describe them.

    With ``out``, files whose inputs did not change since the generation recorded
    there are reused instead of being produced again.
    """
    fingerprint = generator_fingerprint()
    previous = Record.read(out) if out is not None else None
    fresh = previous is None or previous.fingerprint != fingerprint
    worker = ModelWorker.start() if fresh else None
    try:
        from stepgen.build import Memo, render_tree

        # The meta-schema verdict of the manifest text the last generation was made
        # from, by this same generator, still holds.
        conforming = None
        if previous is not None and not fresh:
            conforming = previous.inputs.get(manifest.name)
        pipeline = validate(manifest, conforming)
        memo = Memo(out, previous, fingerprint)
        try:
            files, keys = render_tree(pipeline, memo, worker)
        except Untranslatable as error:
            problem = pipeline.problem(error.pointer, "untranslatable", error.message)
            raise ManifestInvalid([problem]) from error
    finally:
        if worker is not None:
            worker.close()
    record = Record(fingerprint, input_hashes(pipeline.inputs), memo=keys)
    return files, record


def generate(manifest: Path, out: Path) -> WriteResult:
    """Generate into ``out``; on any error, ``out`` is left exactly as it was."""
    from stepgen.writer import write_tree

    files, record = render_pipeline(manifest, out)
    return write_tree(out, files, record)
