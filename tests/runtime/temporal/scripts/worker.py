"""A Temporal worker whose model and processors fail, hang or stall as scripted.

Usage: ``python worker.py CONFIG.json``. The configuration names the server, task
queue, database, blobs and steps package, and the script: ``failures`` (stage →
how many calls fail first), ``always_fail``, ``hang`` and ``retryable`` as in the
runtime tests' ``ScriptedClient``, ``processor_failures`` (stage → failing calls)
for processing stages, and ``stall`` ({stage, where: "call" or "write", marker}):
write the marker in that stage's model call, or right after its artifact was
written, then wait to be killed. Every model or processor call is appended to the
``calls`` file as one JSON line: stage, Temporal's attempt number, wall time. The
script writes ``ready`` once the worker polls, and runs until it is killed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from stepgen_runtime.app import Runtime, open_runtime
from stepgen_runtime.clients import ModelRequest
from stepgen_runtime.errors import StepRuntimeError
from stepgen_runtime.processors import STANDIN, Processor, Produced, StageContext
from stepgen_runtime.temporal.settings import TemporalSettings
from stepgen_runtime.temporal.worker import serve
from temporalio import activity

from tests.runtime.conftest import ScriptedClient


class CallLog:
    """Appends one JSON line per call: stage, attempt, time."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def add(self, stage: str) -> None:
        """Record a call of ``stage`` in the current activity attempt."""
        line = {"stage": stage, "attempt": activity.info().attempt, "at": time.time()}
        with self.path.open("a", encoding="utf-8") as calls:
            calls.write(json.dumps(line) + "\n")


class Stall:
    """Writes a marker, then waits to be killed."""

    def __init__(self, stage: str, where: str, marker: Path) -> None:
        self.stage, self.where, self.marker = stage, where, marker

    def __call__(self, stage: str, where: str) -> None:
        """Stall when ``stage`` reaches ``where``."""
        if (stage, where) == (self.stage, self.where):
            self.marker.write_text(where, encoding="utf-8")
            time.sleep(600)


class LoggedClient(ScriptedClient):
    """The scripted client, logging each call and stalling where asked."""

    def __init__(self, log: CallLog, stall: Callable[[str, str], None], **script: Any):
        super().__init__(**script)
        self.log = log
        self.stall = stall

    def complete(self, request: ModelRequest) -> dict[str, Any]:
        """Log the call, stall if scripted, then answer as scripted."""
        self.log.add(request.stage)
        self.stall(request.stage, "call")
        return super().complete(request)


def processors(log: CallLog, failures: dict[str, int]) -> dict[str, Processor]:
    """The stand-in processors (no media tools), logging each call and failing as scripted."""

    def wrap(stage: str, processor: Processor) -> Processor:
        def run(context: StageContext) -> Produced:
            log.add(stage)
            if failures.get(stage, 0) > 0:
                failures[stage] -= 1
                raise RuntimeError(f"scripted {stage} failure")
            return processor(context)

        return run

    return {stage: wrap(stage, processor) for stage, processor in STANDIN.items()}


def stall_after_writes(runtime: Runtime, stall: Callable[[str, str], None]) -> None:
    """Stall right after a stage's artifact is written, when scripted."""
    record = runtime.jobs.record_output

    def recorded(**kwargs: Any) -> Any:
        result = record(**kwargs)
        stall(kwargs["stage"], "write")
        return result

    runtime.jobs.record_output = recorded  # type: ignore[method-assign]


async def main(config: dict[str, Any]) -> None:
    """Serve until killed."""
    log = CallLog(Path(config["calls"]))
    spec = config.get("stall")
    stall: Callable[[str, str], None] = (
        Stall(spec["stage"], spec["where"], Path(spec["marker"]))
        if spec
        else lambda stage, where: None
    )
    client = LoggedClient(
        log,
        stall,
        failures=config.get("failures", {}),
        always_fail=frozenset(config.get("always_fail", [])),
        hang=frozenset(config.get("hang", [])),
        retryable=config.get("retryable", True),
    )
    runtime = open_runtime(
        config["db_url"],
        steps=config.get("steps", "rematrix_steps"),
        client=client,
        processors=processors(log, dict(config.get("processor_failures", {}))),
        blobs_dir=Path(config["blobs"]),
    )
    stall_after_writes(runtime, stall)
    settings = TemporalSettings(config["address"], task_queue=config["task_queue"])
    ready = Path(config["ready"])
    await serve(settings, runtime, asyncio.Event(), ready=ready.touch)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    try:
        asyncio.run(main(json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))))
    except StepRuntimeError as error:
        sys.exit(f"worker: {error}")
