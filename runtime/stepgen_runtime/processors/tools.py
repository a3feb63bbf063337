"""Running the media tools (espeak-ng, ffmpeg, ffprobe, fc-match) under a stage's limit.

Each call runs without a shell, reads no terminal, and shares the time left of the
stage's attempt. A tool that is missing, fails or overruns becomes one of the
runtime's errors: :class:`MediaError` with the tool's own message (the last lines it
wrote to stderr), or :class:`StageTimeout`.
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stepgen_runtime.errors import MediaError, StageTimeout
from stepgen_runtime.processors.base import StageContext

MESSAGE_LINES = 6
MESSAGE_CHARS = 1500


@dataclass(frozen=True)
class ToolRunner:
    """Runs tools for one attempt of a stage, all within the attempt's time limit."""

    stage: str
    timeout_ms: int | None = None
    deadline: float | None = None

    @classmethod
    def for_context(cls, context: StageContext) -> ToolRunner:
        """A runner whose time limit is the step's, counted from now."""
        timeout_ms = context.step.execution.timeout_ms
        deadline = None if timeout_ms is None else time.monotonic() + timeout_ms / 1000
        return cls(str(context.step.stage), timeout_ms, deadline)

    def run(
        self, args: Sequence[str | Path], *, doing: str, stdin: str | None = None
    ) -> str:
        """Run ``args`` and return its output; ``doing`` names the task in errors."""
        command = [str(arg) for arg in args]
        tool = Path(command[0]).name
        try:
            done = subprocess.run(
                command,
                input=stdin,
                stdin=None if stdin is not None else subprocess.DEVNULL,
                capture_output=True,
                text=True,
                encoding="utf-8",
                errors="replace",
                timeout=self._time_left(),
                check=False,
            )
        except FileNotFoundError:
            raise MediaError(
                tool,
                f"{tool} is not installed, and it is needed to {doing} "
                "(`make media-tools` installs the media tools)",
            ) from None
        except subprocess.TimeoutExpired:
            raise StageTimeout(self.stage, self.timeout_ms or 0) from None
        if done.returncode != 0:
            message = tool_message(done.stderr) or "(it printed no message)"
            raise MediaError(
                tool,
                f"{tool} failed to {doing} (exit status {done.returncode}): {message}",
                returncode=done.returncode,
            )
        return done.stdout

    def probe(self, ffprobe: str, path: Path) -> dict[str, Any]:
        """What ffprobe says about a media file: its format and streams."""
        shown = self.run(
            [
                ffprobe,
                "-v",
                "error",
                "-show_entries",
                "format=duration:stream=codec_type,codec_name,width,height,pix_fmt",
                "-of",
                "json",
                path,
            ],
            doing=f"read {path.name}",
        )
        found: dict[str, Any] = json.loads(shown)
        return found

    def duration(self, ffprobe: str, path: Path) -> float:
        """The length of a media file in seconds, as ffprobe measures it."""
        probed = self.probe(ffprobe, path)
        try:
            return float(probed["format"]["duration"])
        except (KeyError, TypeError, ValueError):
            raise MediaError(
                Path(ffprobe).name, f"ffprobe found no duration in {path.name}"
            ) from None

    def _time_left(self) -> float | None:
        if self.deadline is None:
            return None
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise StageTimeout(self.stage, self.timeout_ms or 0)
        return left


def tool_message(stderr: str) -> str:
    """The last lines a tool wrote to stderr, joined into one message."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    message = " | ".join(lines[-MESSAGE_LINES:])
    return message if len(message) <= MESSAGE_CHARS else "…" + message[-MESSAGE_CHARS:]
