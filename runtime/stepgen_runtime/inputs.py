"""A stage's inputs: the latest artifacts of its sources and the values of its job.

Sources are read whatever their artifact type: the JSON content of each, and for
audio, image and video artifacts the blob reference too, with the version actually
read. Job inputs come from the job row (``id``, ``config.<key>``). The inputs hash is
the SHA-256 of canonical JSON (sorted keys, no whitespace) of the inputs, the blob
references, the configuration's key, the step's version and (for AI stages) the model
client's name — nothing that changes between two identical runs, so identical work is
found and reused.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import BaseModel, ValidationError

from stepgen_runtime.configs import PromptConfig
from stepgen_runtime.db.rows import Artifact, Job
from stepgen_runtime.definitions import StepDefinition
from stepgen_runtime.errors import MissingInput
from stepgen_runtime.naming import field_name, is_blob_type
from stepgen_runtime.registry import StepRegistry


class ArtifactReader(Protocol):
    """Where the latest artifacts are read: a job store, or one of its transactions."""

    def latest_artifact(self, job_id: str, stage: str, kind: str) -> Artifact | None:
        """The highest version of the job's artifacts of ``stage`` and ``kind``."""


@dataclass(frozen=True)
class SourceArtifact:
    """The artifact a stage read from one of its sources."""

    stage: str
    field: str
    artifact_type: str
    artifact_id: str
    version: int
    content: Any
    blob_url: str | None


@dataclass(frozen=True)
class StageInputs:
    """Everything a stage reads, checked against its input model."""

    job_id: str
    values: dict[str, Any]
    model: BaseModel
    sources: dict[str, SourceArtifact] = field(default_factory=dict)

    @property
    def source_versions(self) -> dict[str, int]:
        """The version read from each source stage."""
        return {stage: source.version for stage, source in self.sources.items()}

    @property
    def blob_refs(self) -> dict[str, str | None]:
        """The blob reference of each audio, image or video source, by stage."""
        return {
            stage: source.blob_url
            for stage, source in self.sources.items()
            if is_blob_type(source.artifact_type)
        }


def gather_inputs(
    store: ArtifactReader, registry: StepRegistry, job: Job, step: StepDefinition
) -> StageInputs:
    """Read and check the inputs of ``step`` for ``job``."""
    values: dict[str, Any] = {}
    sources: dict[str, SourceArtifact] = {}
    for source in registry.sources(step.stage):
        kind = source.output.artifact_type
        found = store.latest_artifact(job.id, source.stage, kind)
        if found is None:
            raise MissingInput(step.stage, f"no {kind} artifact of {source.stage} yet")
        name = field_name(source.stage)
        sources[source.stage] = SourceArtifact(
            source.stage,
            name,
            kind,
            found.id,
            found.version,
            found.content,
            found.blob_url,
        )
        values[name] = found.content
    for name in step.input.job:
        values[name] = job_value(job, registry, name, step.stage)
    try:
        model = step.input.model.model_validate(values)
    except ValidationError as error:
        raise MissingInput(
            step.stage, f"its inputs are invalid: {_summary(error)}"
        ) from None
    return StageInputs(job.id, values, model, sources)


def job_value(job: Job, registry: StepRegistry, name: str, stage: str) -> Any:
    """The value of the job input ``name``, read where its declaration says."""
    declared = registry.job_inputs.get(name)
    path = declared.source if declared is not None else name
    head, _, rest = path.partition(".")
    value: Any = {"id": job.id, "config": job.config, "userId": job.user_id}.get(head)
    for part in rest.split(".") if rest else ():
        value = value.get(part) if isinstance(value, dict) else None
    if value is None:
        raise MissingInput(stage, f"the job has no {path} for the input {name!r}")
    return value


def canonical_json(value: Any) -> str:
    """``value`` as canonical JSON: sorted keys, no whitespace, UTF-8 text."""
    return json.dumps(
        value,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )


def config_key(config: PromptConfig) -> str:
    """What identifies a configuration in a hash: its id, or a digest of the default."""
    if config.config_id is not None:
        return config.config_id
    parts = [
        config.model,
        config.temperature,
        config.prompt,
        config.tools,
        config.schema,
    ]
    digest = hashlib.sha256(canonical_json([*parts, config.meta]).encode()).hexdigest()
    return f"default:{digest[:16]}"


def inputs_hash(
    inputs: StageInputs,
    config: PromptConfig,
    step_version: int,
    producer: str | None = None,
) -> str:
    """The SHA-256 of the canonical inputs, blob references, configuration and version.

    ``producer`` names the model client of an AI stage, so that answers of the offline
    client are never reused when a real model is asked.
    """
    payload = {
        "inputs": inputs.values,
        "blobs": inputs.blob_refs,
        "configId": config_key(config),
        "stepVersion": step_version,
        "producer": producer,
    }
    return hashlib.sha256(canonical_json(payload).encode()).hexdigest()


def _summary(error: ValidationError) -> str:
    parts = []
    for item in error.errors()[:3]:
        where = ".".join(str(part) for part in item["loc"]) or "(root)"
        parts.append(f"{where}: {item['msg']}")
    more = error.error_count() - len(parts)
    return "; ".join(parts) + (f" (and {more} more)" if more > 0 else "")
