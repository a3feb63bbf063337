"""Typed, immutable copies of the rows the runtime reads."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any, Self

import sqlalchemy as sa


def now() -> datetime:
    """The current UTC time as Prisma stores it: naive, to the millisecond."""
    moment = datetime.now(UTC).replace(tzinfo=None)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def new_id() -> str:
    """A new row id: a random UUID in text form, as the service creates them."""
    return str(uuid.uuid4())


class FromRow:
    """Rows copied field by field: ``created_at`` is read from the column ``createdAt``."""

    @classmethod
    def from_row(cls, row: sa.Row[Any]) -> Self:
        """Copy a row of the table this class describes."""
        values = row._mapping
        columns = _COLUMNS.get(cls) or _columns(cls)
        return cls(**{name: values[column] for name, column in columns})


# Each row class's fields with the column each is read from, worked out once.
_COLUMNS: dict[type, tuple[tuple[str, str], ...]] = {}


def _columns(cls: type) -> tuple[tuple[str, str], ...]:
    found = tuple((item.name, _column(item.name)) for item in fields(cls))
    _COLUMNS[cls] = found
    return found


def _column(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


@dataclass(frozen=True)
class Job(FromRow):
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


@dataclass(frozen=True)
class Artifact(FromRow):
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


@dataclass(frozen=True)
class Approval(FromRow):
    """A row of ``Approval``."""

    id: str
    job_id: str
    stage: str
    status: str
    comment: str | None
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class StoredConfig(FromRow):
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
