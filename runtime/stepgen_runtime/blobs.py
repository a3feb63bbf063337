"""Where stages keep the payloads of audio, image and video artifacts.

A blob lives in a folder named after the job, the stage and the first characters of
the inputs hash, so a retried or repeated run writes to the same place, and an
artifact refers to it by a ``file://`` URL.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

from stepgen_runtime.errors import JobError

BLOB_DIR = "blobs"


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
