"""The generic executor: runs any registered stage of a job, the same way every time.

For a job and a stage it resolves the configuration, gathers and checks the inputs,
hashes them, and reuses the latest artifact when the hash matches. Otherwise it calls
the model client (AI stages) or the stage's processor, under the step's own retry
policy (through tenacity) and time limit, checks the output, and writes the new
version with the job's status in one transaction. A failure marks the job FAILED and
writes no artifact. Under a workflow engine the engine retries: the executor then
makes one numbered attempt per call, and the engine marks the job FAILED at the end.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from stepgen_runtime.attempts import run_attempts, run_once
from stepgen_runtime.blobs import BlobStore
from stepgen_runtime.clients.base import ModelClient, ModelRequest
from stepgen_runtime.configs import ConfigService, PromptConfig
from stepgen_runtime.db.jobs import JobStore, JobTransaction
from stepgen_runtime.db.rows import Artifact, Job
from stepgen_runtime.definitions import StepDefinition
from stepgen_runtime.errors import (
    ApprovalError,
    DatabaseError,
    JobNotFound,
    OutputInvalid,
    RegistryError,
    StepRuntimeError,
)
from stepgen_runtime.inputs import StageInputs, gather_inputs, inputs_hash
from stepgen_runtime.processors.base import Processor, Produced, StageContext
from stepgen_runtime.prompting import assemble_prompt
from stepgen_runtime.registry import StepRegistry

logger = logging.getLogger("stepgen_runtime")


@dataclass(frozen=True)
class StageRun:
    """The result of running one stage: created or reused, and the job's state after."""

    job_id: str
    stage: str
    outcome: str
    artifact: Artifact
    approval: str | None
    job_status: str
    attempts: int
    duration_s: float


class Executor:
    """Runs stages of jobs with one database, registry, model client and processors."""

    def __init__(
        self,
        store: JobStore,
        registry: StepRegistry,
        configs: ConfigService,
        *,
        client: ModelClient,
        processors: Mapping[str, Processor],
        blobs: BlobStore,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        missing = [
            s.stage
            for s in registry.steps()
            if not s.is_ai and s.stage not in processors
        ]
        if missing:
            raise RegistryError(f"no processor is registered for {', '.join(missing)}")
        self.store = store
        self.registry = registry
        self.configs = configs
        self.client = client
        self.processors = dict(processors)
        self.blobs = blobs
        self._sleep = sleep
        self._clock = clock

    def run_stage(
        self,
        job_id: str,
        stage: str,
        *,
        attempt: int | None = None,
        approve_with: str | None = None,
        next_stage: str | None = None,
    ) -> StageRun:
        """Run ``stage`` of ``job_id``, or reuse its output; raise when it fails.

        By default the executor retries under the step's policy and marks the job
        FAILED when the stage fails. Given ``attempt``, an outside retrier (a
        workflow engine) applies the policy: the executor makes that one attempt
        under the step's time limit, records its number, and leaves marking the
        job FAILED to the retrier, which alone knows whether another attempt comes.
        Given ``approve_with``, an approval the output would wait for is given at
        once with that comment, in the transaction that writes the output; given
        ``next_stage``, a job the stage leaves RUNNING is handed to that stage in
        that transaction too, so that the next stage has no state of its own to
        write before it starts.
        """
        step = self.registry.get(stage)
        stage = str(step.stage)
        started = self._clock()
        attempts = 0
        try:
            # The job, its approvals and the stage's inputs are read, and the job set
            # RUNNING at this stage when there is work to do (unless the stage before
            # handed it over already), in one transaction.
            with self.store.transaction() as reads:
                job = reads.get_job(job_id)
                self._check_approvals(job_id, step, reads)
                config = self.configs.resolve(stage)
                kind = step.output.artifact_type
                sources = self.registry.sources(stage)
                reads.read_latest(
                    job_id,
                    [(item.stage, item.output.artifact_type) for item in sources]
                    + [(stage, kind)],
                )
                inputs = gather_inputs(reads, self.registry, job, step)
                digest = inputs_hash(inputs, config, step.version, self._producer(step))
                latest = reads.latest_artifact(job_id, stage, kind)
                reused = latest is not None and latest.inputs_hash == digest
                if not reused and _state(job) != ("RUNNING", stage, None):
                    reads.set_state(job_id, "RUNNING", stage)
            if latest is not None and reused:
                produced, meta = (
                    Produced(latest.content, latest.blob_url),
                    latest.meta or {},
                )
            else:
                context = self._context(job_id, step, config, inputs, digest)
                call = functools.partial(self._attempt, context)
                produced, attempts = (
                    run_attempts(job_id, step, call, self._sleep)
                    if attempt is None
                    else run_once(job_id, step, call, attempt)
                )
                meta = self._meta(step, config, inputs, digest, attempts)
            recorded = self.store.record_output(
                job_id=job_id,
                stage=stage,
                kind=kind,
                inputs_hash=digest,
                content=produced.content,
                blob_url=produced.blob_url,
                meta=meta,
                requires_approval=step.execution.requires_approval,
                final=stage == self.registry.stages()[-1],
                approve_with=approve_with,
                next_stage=next_stage,
            )
        except (DatabaseError, JobNotFound, ApprovalError):
            # Nothing was written: the job is not there, cannot be reached, or
            # waits for the approval of an earlier stage.
            raise
        except StepRuntimeError as error:
            if attempt is None:
                self.store.set_state(job_id, "FAILED", stage, str(error))
            logger.warning(
                "job %s stage %s failed in %.3f s: %s",
                job_id,
                stage,
                self._clock() - started,
                error,
            )
            raise
        run = StageRun(
            job_id=job_id,
            stage=stage,
            outcome="created" if recorded.created else "reused",
            artifact=recorded.artifact,
            approval=recorded.approval,
            job_status=recorded.job_status,
            attempts=attempts,
            duration_s=self._clock() - started,
        )
        logger.info(
            "job %s stage %s: %s v%d in %.3f s, attempts %d, job %s",
            job_id,
            stage,
            run.outcome,
            run.artifact.version,
            run.duration_s,
            attempts,
            run.job_status,
        )
        return run

    def _check_approvals(
        self, job_id: str, step: StepDefinition, reads: JobTransaction
    ) -> None:
        earlier = self.registry.steps()
        earlier = earlier[: self.registry.stages().index(step.stage)]
        needed = [item.stage for item in earlier if item.execution.requires_approval]
        if not needed:
            return
        approvals = reads.approvals(job_id)
        for stage in needed:
            found = approvals.get(stage)
            status = found.status if found else "not requested"
            if status != "APPROVED":
                message = f"{stage} must be approved first (it is {status})"
                raise ApprovalError(job_id, step.stage, message)

    def _context(
        self,
        job_id: str,
        step: StepDefinition,
        config: PromptConfig,
        inputs: StageInputs,
        digest: str,
    ) -> StageContext:
        timeout_ms = step.execution.timeout_ms
        return StageContext(
            job_id=job_id,
            step=step,
            config=config,
            inputs=inputs,
            inputs_hash=digest,
            blobs=self.blobs,
            registry=self.registry,
            job_artifacts=lambda: self.store.artifacts(job_id),
            timeout_s=timeout_ms / 1000 if timeout_ms is not None else None,
        )

    def _attempt(self, context: StageContext) -> Produced:
        step = context.step
        produced = self._handle(context)
        try:
            checked = step.output.model.model_validate(produced.content)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "(root)"
            raise OutputInvalid(step.stage, f"{where}: {first['msg']}") from None
        return Produced(
            checked.model_dump(mode="json", by_alias=True), produced.blob_url
        )

    def _handle(self, context: StageContext) -> Produced:
        step, config = context.step, context.config
        if not step.is_ai:
            return self.processors[step.stage](context)
        schema = config.schema or step.output.schema
        request = ModelRequest(
            stage=step.stage,
            model=config.model or "",
            temperature=config.temperature,
            prompt=assemble_prompt(config.prompt, step, context.inputs, schema),
            schema=schema,
            inputs=context.inputs.values,
            timeout_s=context.timeout_s,
        )
        return Produced(self.client.complete(request))

    def _producer(self, step: StepDefinition) -> str:
        """Who makes the stage's output: the model client, or the processor by name.

        It is part of the inputs hash, so work made by one processor (stand-in media,
        say) is never reused when another (the real media tools) is asked for.
        """
        if step.is_ai:
            return str(self.client.name)
        processor = self.processors[step.stage]
        module = getattr(processor, "__module__", type(processor).__module__)
        name = getattr(processor, "__qualname__", type(processor).__qualname__)
        return f"processor:{module}.{name}"

    def _meta(
        self,
        step: StepDefinition,
        config: PromptConfig,
        inputs: StageInputs,
        digest: str,
        attempts: int,
    ) -> dict[str, Any]:
        return {
            "inputsHash": digest,
            "model": config.model,
            "temperature": config.temperature,
            "promptConfigId": config.config_id,
            "stepType": str(step.type),
            "stepVersion": step.version,
            "generatedAt": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "sourceVersions": inputs.source_versions,
            "attempts": attempts,
            "producedBy": self._producer(step),
        }


def _state(job: Job) -> tuple[str, str, str | None]:
    return job.status, job.current_stage, job.error
