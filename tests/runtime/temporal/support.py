"""Reading what a Temporal run left: its job id, artifacts, call log and history."""

from __future__ import annotations

import itertools
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from stepgen_runtime.app import open_runtime

from tests.runtime.conftest import LESSONS

LESSON = str(LESSONS / "fractions.md")


def state(db_url: str, job_id: str) -> dict[str, Any]:
    """The job's row, its artifacts and its approvals, read from the database."""
    with open_runtime(db_url) as runtime:
        job = runtime.jobs.get_job(job_id)
        artifacts = runtime.jobs.artifacts(job_id)
        approvals = runtime.jobs.approvals(job_id)
    return {
        "status": job.status,
        "stage": job.current_stage,
        "error": job.error,
        "versions": sorted((a.stage, a.version) for a in artifacts),
        "attempts": {a.stage: a.meta["attempts"] for a in artifacts if a.meta},
        "approvals": {
            stage: (item.status, item.comment) for stage, item in approvals.items()
        },
    }


def calls(path: Path) -> dict[str, list[dict[str, Any]]]:
    """The scripted workers' calls, by stage, in order."""
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            call = json.loads(line)
            found[call["stage"]].append(call)
    return found


def gaps(stage_calls: list[dict[str, Any]]) -> list[float]:
    """Seconds between the starts of consecutive calls."""
    times = [call["at"] for call in stage_calls]
    return [later - earlier for earlier, later in itertools.pairwise(times)]


def scheduled(history: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The options each activity type was scheduled with, by type."""
    found = {}
    for event in history:
        attributes = event.get("activityTaskScheduledEventAttributes")
        if attributes:
            found[attributes["activityType"]["name"]] = attributes
    return found


def attempts(history: list[dict[str, Any]]) -> dict[str, int]:
    """The attempt each activity type's last start was, by type (the last attempt)."""
    types = {
        event["eventId"]: event["activityTaskScheduledEventAttributes"]["activityType"][
            "name"
        ]
        for event in history
        if "activityTaskScheduledEventAttributes" in event
    }
    found = {}
    for event in history:
        started = event.get("activityTaskStartedEventAttributes")
        if started:
            found[types[started["scheduledEventId"]]] = started["attempt"]
    return found


def duration(ms: int) -> str:
    """A duration as Temporal's JSON writes it: ``120s``, ``0.500s``."""
    return f"{ms // 1000}s" if ms % 1000 == 0 else f"{ms / 1000:.3f}s"
