"""Where stages keep the payloads of audio, image and video artifacts.

A blob lives in a folder named after the job, the stage and the first characters of
the inputs hash, so a retried or repeated run writes to the same place, and an
artifact refers to it by a ``file://`` URL. :meth:`BlobStore.staged` writes such a
folder out of sight and moves it into place in one rename only when the stage
succeeded, so a failed stage leaves no half-written file where a reader looks.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from stepgen_runtime.errors import JobError

BLOB_DIR = "blobs"


@dataclass(frozen=True)
class Staging:
    """A run's blob folder being written: files go to ``work``, URLs name ``final``."""

    work: Path
    final: Path


class BlobStore:
    """Blob files under one root folder, referred to by ``file://`` URLs."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def job_folder(self, job_id: str) -> Path:
        """The folder holding every blob of ``job_id``."""
        return self.root / job_id

    def folder(self, job_id: str, stage: str, key: str) -> Path:
        """The folder for the blobs of one run of ``stage``; created if needed."""
        folder = self.job_folder(job_id) / stage.lower() / key[:16]
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    @contextmanager
    def staged(self, job_id: str, stage: str, key: str) -> Iterator[Staging]:
        """A fresh work folder that becomes the run's blob folder only on success.

        When the block ends normally the work folder replaces the run's folder (an
        earlier one is moved aside and deleted); when it raises, the work folder is
        deleted and the run's folder is left as it was.
        """
        final = self.job_folder(job_id) / stage.lower() / key[:16]
        final.parent.mkdir(parents=True, exist_ok=True)
        prefix = f".{final.name}-"
        work = Path(tempfile.mkdtemp(prefix=prefix, suffix=".tmp", dir=final.parent))
        work.chmod(0o755)  # as a plain mkdir would make it, not mkdtemp's 0700
        try:
            yield Staging(work, final)
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
        _move_into_place(work, final)

    @staticmethod
    def url(path: Path) -> str:
        """The ``file://`` URL of ``path``."""
        return path.resolve().as_uri()

    @staticmethod
    def path(url: str) -> Path:
        """The file a ``file://`` URL names; other URLs are refused."""
        parsed = urlparse(url)
        if parsed.scheme != "file":
            raise JobError(f"only file:// blob URLs can be read here, not {url!r}")
        return Path(unquote(parsed.path))


def _move_into_place(work: Path, final: Path) -> None:
    # A rename cannot replace a folder that holds files: move the old one aside
    # first. Runs racing with the same inputs write the same files, so whichever
    # rename comes last is as good as the other.
    for _ in range(3):
        try:
            work.rename(final)
            return
        except OSError:
            if not final.exists():
                raise
        aside = final.with_name(f".{final.name}-{uuid.uuid4().hex[:8]}.old")
        with suppress(FileNotFoundError):
            final.rename(aside)
        shutil.rmtree(aside, ignore_errors=True)
    work.rename(final)
