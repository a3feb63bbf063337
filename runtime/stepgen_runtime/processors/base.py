"""What a processor receives and returns.

A processor runs a stage that is not a model call. It gets a :class:`StageContext`
(the checked inputs with the artifacts they came from, the blob store, the job's
artifacts) and returns :class:`Produced`: the artifact content and, for audio, image
and video, the URL of the blob it wrote.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from stepgen_runtime.blobs import BlobStore
from stepgen_runtime.configs import PromptConfig
from stepgen_runtime.db.rows import Artifact
from stepgen_runtime.definitions import StepDefinition
from stepgen_runtime.inputs import StageInputs
from stepgen_runtime.registry import StepRegistry


@dataclass(frozen=True)
class StageContext:
    """Everything one run of a stage may use."""

    job_id: str
    step: StepDefinition
    config: PromptConfig
    inputs: StageInputs
    inputs_hash: str
    blobs: BlobStore
    registry: StepRegistry
    job_artifacts: Callable[[], list[Artifact]]
    timeout_s: float | None = None


@dataclass(frozen=True)
class Produced:
    """A stage's output: the artifact content and, for media, the blob URL."""

    content: dict[str, Any]
    blob_url: str | None = None


Processor = Callable[[StageContext], Produced]
