"""Typed, immutable copies of the rows the runtime reads."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa


def now() -> datetime:
    """The current UTC time as Prisma stores it: naive, to the millisecond."""
    moment = datetime.now(UTC).replace(tzinfo=None)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def new_id() -> str:
    """A new row id: a random UUID in text form, as the service creates them."""
    return str(uuid.uuid4())


@dataclass(frozen=True)
class Job:
    """A row of ``Job``."""

    id: str
    user_id: str | None
    status: str
    current_stage: str
    config: dict[str, Any] | None
    stage_status: Any
    error: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: sa.Row[Any]) -> Job:
        """Copy a ``Job`` row."""
        values = row._mapping
        return cls(
            id=values["id"],
            user_id=values["userId"],
            status=values["status"],
            current_stage=values["currentStage"],
            config=values["config"],
            stage_status=values["stageStatus"],
            error=values["error"],
            created_at=values["createdAt"],
            updated_at=values["updatedAt"],
        )


@dataclass(frozen=True)
class Artifact:
    """A row of ``Artifact``."""

    id: str
    job_id: str
    stage: str
    type: str
    version: int
    content: Any
    blob_url: str | None
    meta: dict[str, Any] | None
    created_by: str | None
    created_at: datetime

    @property
    def inputs_hash(self) -> str | None:
        """The inputs hash recorded in ``meta``, if any."""
        value = (self.meta or {}).get("inputsHash")
        return value if isinstance(value, str) else None

    @classmethod
    def from_row(cls, row: sa.Row[Any]) -> Artifact:
        """Copy an ``Artifact`` row."""
        values = row._mapping
        return cls(
            id=values["id"],
            job_id=values["jobId"],
            stage=values["stage"],
            type=values["type"],
            version=values["version"],
            content=values["content"],
            blob_url=values["blobUrl"],
            meta=values["meta"],
            created_by=values["createdBy"],
            created_at=values["createdAt"],
        )


@dataclass(frozen=True)
class Approval:
    """A row of ``Approval``."""

    id: str
    job_id: str
    stage: str
    status: str
    comment: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: sa.Row[Any]) -> Approval:
        """Copy an ``Approval`` row."""
        values = row._mapping
        return cls(
            id=values["id"],
            job_id=values["jobId"],
            stage=values["stage"],
            status=values["status"],
            comment=values["comment"],
            created_at=values["createdAt"],
            updated_at=values["updatedAt"],
        )


@dataclass(frozen=True)
class StoredConfig:
    """A row of ``PromptStageConfig``."""

    id: str
    stage: str
    model: str
    temperature: float | None
    prompt: str
    tools: Any
    schema: Any
    meta: Any
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: sa.Row[Any]) -> StoredConfig:
        """Copy a ``PromptStageConfig`` row."""
        values = row._mapping
        return cls(
            id=values["id"],
            stage=values["stage"],
            model=values["model"],
            temperature=values["temperature"],
            prompt=values["prompt"],
            tools=values["tools"],
            schema=values["schema"],
            meta=values["meta"],
            created_at=values["createdAt"],
            updated_at=values["updatedAt"],
        )
