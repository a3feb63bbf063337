"""A worker: the pipeline's workflow and one activity per registered step, on a queue.

Activities are synchronous (the executor, the database and the model clients are),
so they run on a thread pool of ``concurrency`` threads. On shutdown the worker stops
polling and lets attempts in progress end; each is bounded by its step's time limit.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from temporalio.worker import Worker

from stepgen_runtime.app import Runtime
from stepgen_runtime.temporal.activities import PipelineActivities
from stepgen_runtime.temporal.settings import TemporalSettings, connect
from stepgen_runtime.temporal.workflow import PipelineWorkflow

logger = logging.getLogger("stepgen_runtime")

DEFAULT_CONCURRENCY = 4


async def serve(
    settings: TemporalSettings,
    runtime: Runtime,
    stop: asyncio.Event,
    *,
    ready: Callable[[], None] | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
) -> None:
    """Serve the pipeline on the settings' task queue until ``stop`` is set."""
    client = await connect(settings)
    activities = PipelineActivities(runtime)
    with ThreadPoolExecutor(
        max_workers=concurrency, thread_name_prefix="stepgen-activity"
    ) as pool:
        worker = Worker(
            client,
            task_queue=settings.task_queue,
            workflows=[PipelineWorkflow],
            activities=activities.definitions(),
            activity_executor=pool,
            max_concurrent_activities=concurrency,
        )
        async with worker:
            logger.info(
                "worker on %s, task queue %s: %d stages",
                settings.address,
                settings.task_queue,
                len(runtime.registry.steps()),
            )
            if ready is not None:
                ready()
            await stop.wait()
