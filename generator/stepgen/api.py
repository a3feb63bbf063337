"""The generator's entry points: validate, render, generate.

The CLI calls these; so can any other program. They raise
:class:`~stepgen.errors.StepgenError` subclasses and print nothing. The heavy parts
(the loader, the emitters) are imported inside the functions, after the model
worker has been started, so that both get going at once.
"""

from __future__ import annotations

from collections.abc import Callable
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
    manifest: Path,
    out: Path | None = None,
    ready: Callable[[dict[str, bytes]], None] | None = None,
) -> tuple[dict[str, bytes], Record]:
    """Render every output file in memory, with the record that would describe them.

    With ``out``, files whose inputs did not change since the generation recorded
    there are reused instead of being produced again. ``ready`` is handed the files
    that are ready while the models module is still being made.
    """
    early = ModelWorker.claim()
    previous = Record.read(out) if out is not None else None
    # Without a record everything is made anew: start the worker at once.
    worker = (early or ModelWorker.start()) if previous is None else None
    fingerprint = generator_fingerprint()
    fresh = previous is None or previous.fingerprint != fingerprint
    if fresh and worker is None:
        worker = early or ModelWorker.start()
    if early is not None and worker is not early:
        early.close()
    try:
        from stepgen.build import Memo, render_tree

        if worker is not None:
            _start_early(manifest, worker)
        # The meta-schema verdict of the manifest text the last generation was made
        # from, by this same generator, still holds.
        conforming = None
        if previous is not None and not fresh:
            conforming = previous.inputs.get(manifest.name)
        pipeline = validate(manifest, conforming)
        memo = Memo(out, previous, fingerprint)
        try:
            files, keys = render_tree(pipeline, memo, worker, ready)
        except Untranslatable as error:
            problem = pipeline.problem(error.pointer, "untranslatable", error.message)
            raise ManifestInvalid([problem]) from error
    finally:
        if worker is not None:
            worker.close()
    record = Record(fingerprint, input_hashes(pipeline.inputs), memo=keys)
    return files, record


def _start_early(manifest: Path, worker: ModelWorker) -> None:
    """Give the worker its parts before the manifest is checked, since checking a big
    manifest takes a while; a manifest that fails its checks loses only that work.

    The manifest is read without its checks here, so anything may go wrong with a
    broken one: then the worker simply waits for the checked manifest's parts.
    """
    from stepgen.emit.pydantic_models import prepare
    from stepgen.manifest.load import read_unchecked

    try:
        pipeline = read_unchecked(manifest)
        plan = prepare(pipeline) if pipeline is not None else None
    except Exception:  # the checks that follow report whatever went wrong
        return
    if plan is not None:
        worker.submit(plan.parts, plan.key)


def generate(manifest: Path, out: Path) -> WriteResult:
    """Generate into ``out``; on any error, ``out`` is left exactly as it was."""
    from stepgen.writer import TreeWriter

    # Files that are ready while the models are still being made are written
    # ahead into the new tree; it replaces ``out`` only once it is complete.
    writer = TreeWriter(out)
    try:
        files, record = render_pipeline(manifest, out, ready=writer.stage)
        return writer.finish(files, record)
    finally:
        writer.discard()
