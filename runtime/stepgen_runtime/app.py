"""One call that opens everything a run needs: database, registry, executor, pipeline.

The defaults give the embedded setup: SQLite and blobs under ``.stepgen/`` in the
working directory, the steps of the generated package, and the offline model client.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

from stepgen_runtime.blobs import BLOB_DIR, BlobStore
from stepgen_runtime.clients import ModelClient, make_client
from stepgen_runtime.configs import ConfigService
from stepgen_runtime.db.engine import STATE_DIR, Database, open_database
from stepgen_runtime.db.jobs import JobStore
from stepgen_runtime.db.prompts import PromptStore
from stepgen_runtime.executor import Executor
from stepgen_runtime.pipeline import Pipeline
from stepgen_runtime.processors import BUILTIN, Processor
from stepgen_runtime.registry import StepRegistry

DEFAULT_STEPS = "rematrix_steps"


@dataclass
class Runtime:
    """The open parts of one runtime; close it when done."""

    database: Database
    registry: StepRegistry
    jobs: JobStore
    prompts: PromptStore
    configs: ConfigService
    blobs: BlobStore
    executor: Executor
    pipeline: Pipeline

    def close(self) -> None:
        """Close the database connections."""
        self.database.dispose()

    def __enter__(self) -> Runtime:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def open_runtime(
    db_url: str | None = None,
    *,
    steps: StepRegistry | ModuleType | str = DEFAULT_STEPS,
    client: ModelClient | str = "offline",
    processors: Mapping[str, Processor] | None = None,
    blobs_dir: Path | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Runtime:
    """Open the database and build the registry, executor and pipeline on it."""
    registry = (
        steps if isinstance(steps, StepRegistry) else StepRegistry.from_package(steps)
    )
    model_client = make_client(client) if isinstance(client, str) else client
    database = open_database(db_url)
    try:
        jobs = JobStore(database)
        prompts = PromptStore(database)
        configs = ConfigService(prompts, registry)
        blobs = BlobStore(blobs_dir or Path.cwd() / STATE_DIR / BLOB_DIR)
        executor = Executor(
            jobs,
            registry,
            configs,
            client=model_client,
            processors=BUILTIN if processors is None else processors,
            blobs=blobs,
            sleep=sleep,
        )
    except BaseException:
        database.dispose()
        raise
    return Runtime(
        database, registry, jobs, prompts, configs, blobs, executor, Pipeline(executor)
    )
