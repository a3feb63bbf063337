"""Run a job in a process of its own, stalling inside one stage until killed.

Usage: ``python stall.py DB_URL BLOBS JOB_ID STAGE MARKER``. When the model call of
STAGE starts, the script writes MARKER and waits; the test then kills the process.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from stepgen_runtime.app import open_runtime
from stepgen_runtime.clients import ModelRequest, OfflineClient


class Stalling(OfflineClient):
    """The offline client, stalling in one stage after saying so in a marker file."""

    def __init__(self, stage: str, marker: Path) -> None:
        super().__init__()
        self.stage = stage
        self.marker = marker

    def complete(self, request: ModelRequest) -> dict[str, Any]:
        """Stall in the chosen stage; answer the others."""
        if request.stage == self.stage:
            self.marker.write_text("stalled", encoding="utf-8")
            time.sleep(120)
        return super().complete(request)


def main() -> None:
    """Advance the job with the stalling client."""
    db_url, blobs, job_id, stage, marker = sys.argv[1:]
    client = Stalling(stage, Path(marker))
    with open_runtime(db_url, blobs_dir=Path(blobs), client=client) as runtime:
        runtime.pipeline.advance(job_id, auto_approve=True)


if __name__ == "__main__":
    main()
