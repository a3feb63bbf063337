"""Runtime figures: the executor's own cost per stage, and a whole offline run.

The executor's overhead is the time a stage takes minus the model's own time, with
the offline client and SQLite. The baseline does the same reads, validation and
writes by hand with SQLAlchemy Core: the latest artifact of each source, the input
and output models, the artifact insert and the job update in one transaction.
"""

from __future__ import annotations

import statistics
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from benchmarks.run import ROOT, STEPGEN, Figure, command, median_time

AI_STAGES = ("PLAN", "OUTLINE", "STORYBOARD", "NARRATION", "PAGES")
LESSON = ROOT / "samples" / "lessons" / "fractions.md"


class TimedClient:
    """The offline client, with the time spent answering added up."""

    def __init__(self) -> None:
        from stepgen_runtime.clients import OfflineClient

        self.inner = OfflineClient()
        self.seconds = 0.0

    @property
    def name(self) -> str:
        """The wrapped client's name."""
        return str(self.inner.name)

    def complete(self, request: Any) -> dict[str, Any]:
        """Answer as the offline client does, timing it."""
        start = time.perf_counter()
        try:
            return self.inner.complete(request)
        finally:
            self.seconds += time.perf_counter() - start


def executor_overhead(work: Path, jobs: int) -> tuple[float, float]:
    """Seconds per AI stage spent outside the model: the executor's and by hand."""
    from stepgen_runtime.app import open_runtime
    from stepgen_runtime.processors import STANDIN

    markdown = LESSON.read_text("utf-8")
    client = TimedClient()
    ours = []
    with open_runtime(
        f"sqlite:///{work / 'executor.db'}",
        client=client,  # type: ignore[arg-type]
        processors=STANDIN,
        blobs_dir=work / "blobs",
    ) as runtime:
        for index in range(jobs + 1):
            job = runtime.pipeline.start(markdown)
            client.seconds = 0.0
            start = time.perf_counter()
            runtime.pipeline.advance(job.id, until="PAGES", auto_approve=True)
            if index:
                ours.append(
                    (time.perf_counter() - start - client.seconds) / len(AI_STAGES)
                )
        registry = runtime.registry
    by_hand = _by_hand(work / "by-hand.db", registry, markdown, jobs)
    return statistics.median(ours), by_hand


def _by_hand(path: Path, registry: Any, markdown: str, jobs: int) -> float:
    from stepgen_runtime.db.tables import approval, artifact, job, metadata

    engine = sa.create_engine(f"sqlite:///{path}")
    metadata.create_all(engine)
    client = TimedClient()
    samples = []
    for index in range(jobs + 1):
        job_id = str(uuid.uuid4())
        now = datetime.now(UTC)
        with engine.begin() as connection:
            connection.execute(
                job.insert().values(
                    id=job_id,
                    status="RUNNING",
                    currentStage="PLAN",
                    config={"markdown": markdown},
                    updatedAt=now,
                )
            )
        client.seconds = 0.0
        start = time.perf_counter()
        for stage in AI_STAGES:
            _stage_by_hand(
                engine,
                registry.get(stage),
                job_id,
                markdown,
                client,
                (artifact, approval, job),
            )
        if index:
            samples.append(
                (time.perf_counter() - start - client.seconds) / len(AI_STAGES)
            )
    engine.dispose()
    return statistics.median(samples)


def _stage_by_hand(
    engine: sa.Engine,
    step: Any,
    job_id: str,
    markdown: str,
    client: TimedClient,
    tables: tuple[sa.Table, sa.Table, sa.Table],
) -> None:
    from stepgen_runtime.clients import ModelRequest
    from stepgen_runtime.naming import field_name

    artifact, approval, job = tables
    with engine.connect() as connection:
        values: dict[str, Any] = {}
        for source in step.input.sources:
            row = connection.execute(
                sa.select(artifact.c.content)
                .where(artifact.c.jobId == job_id, artifact.c.stage == source)
                .order_by(artifact.c.version.desc())
                .limit(1)
            ).one()
            values[field_name(source)] = row.content
    if "markdown" in step.input.job:
        values["markdown"] = markdown
    checked = step.input.model.model_validate(values)
    answer = client.complete(
        ModelRequest(
            stage=step.stage,
            model=step.config.model or "",
            prompt=step.config.prompt,
            temperature=step.config.temperature,
            schema=step.output.schema,
            inputs=checked.model_dump(mode="json"),
        )
    )
    content = step.output.model.model_validate(answer).model_dump(
        mode="json", by_alias=True
    )
    now = datetime.now(UTC)
    with engine.begin() as connection:
        latest = connection.execute(
            sa.select(sa.func.max(artifact.c.version)).where(
                artifact.c.jobId == job_id, artifact.c.stage == step.stage
            )
        ).scalar()
        connection.execute(
            artifact.insert().values(
                id=str(uuid.uuid4()),
                jobId=job_id,
                stage=step.stage,
                type=step.output.artifact_type,
                version=(latest or 0) + 1,
                content=content,
                meta={"stepVersion": step.version},
            )
        )
        if step.execution.requires_approval:
            connection.execute(
                approval.insert().values(
                    id=str(uuid.uuid4()),
                    jobId=job_id,
                    stage=step.stage,
                    status="APPROVED",
                    updatedAt=now,
                )
            )
        connection.execute(
            job.update()
            .where(job.c.id == job_id)
            .values(currentStage=step.stage, updatedAt=now)
        )


def runtime_figures(work: Path, runs: int) -> tuple[list[Figure], list[str]]:
    """The executor overhead and the offline run of the nine stages without media."""
    ours, by_hand = executor_overhead(work, jobs=runs * 4)
    figures = [
        Figure(
            "executor overhead per AI stage (offline model, SQLite)",
            ours,
            by_hand,
            "the same reads, validation and writes by hand",
            1.5,
        )
    ]
    run = command(
        STEPGEN,
        "run",
        str(LESSON),
        "--auto-approve",
        "--media",
        "standin",
        "--db",
        f"sqlite:///{work / 'run.db'}",
        "--blobs",
        str(work / "run-blobs"),
    )
    wall = median_time(run, runs=runs)
    start_python = median_time(command(sys.executable, "-c", "pass"), runs=runs)
    figures.append(
        Figure(
            "offline run of all nine stages without media (wall, s)",
            wall,
            1.0,
            "2 s budget",
            2.0,
        )
    )
    notes = [
        f"A fresh interpreter starts in {start_python:.3f} s on this machine.",
    ]
    return figures, notes
