"""Stored prompt configurations (``PromptStageConfig``) and which one is active.

A stage's active configuration is the row ``PromptStageActive`` points to. Rows are
never changed here: a new configuration is a new row, and publishing moves the
pointer.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

from stepgen_runtime.db.engine import Database, reason
from stepgen_runtime.db.rows import StoredConfig, new_id, now
from stepgen_runtime.db.tables import prompt_stage_active as active
from stepgen_runtime.db.tables import prompt_stage_config as config
from stepgen_runtime.errors import ConfigurationError, DatabaseError


class PromptStore:
    """Reads and writes the prompt configuration tables."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def _run(self, query: sa.Executable) -> list[sa.Row[Any]]:
        try:
            with self.database.engine.begin() as connection:
                result = connection.execute(query)
                return list(result) if result.returns_rows else []
        except OperationalError as error:
            shown = self.database.shown_url
            raise DatabaseError(f"database error at {shown}: {reason(error)}") from None

    def list_configs(self, stage: str | None = None) -> list[StoredConfig]:
        """Every stored configuration (of ``stage``), newest first within a stage."""
        query = config.select().order_by(config.c.stage, config.c.updatedAt.desc())
        if stage is not None:
            query = query.where(config.c.stage == stage)
        return [StoredConfig.from_row(row) for row in self._run(query)]

    def get_config(self, config_id: str) -> StoredConfig | None:
        """The stored configuration ``config_id``, or None."""
        rows = self._run(config.select().where(config.c.id == config_id))
        return StoredConfig.from_row(rows[0]) if rows else None

    def active(self, stage: str) -> StoredConfig | None:
        """The configuration ``PromptStageActive`` points to for ``stage``, or None."""
        query = (
            config.select()
            .join(active, active.c.activeConfigId == config.c.id)
            .where(active.c.stage == stage)
        )
        rows = self._run(query)
        return StoredConfig.from_row(rows[0]) if rows else None

    def active_ids(self) -> dict[str, str]:
        """The active configuration id of each stage that has one."""
        rows = self._run(sa.select(active.c.stage, active.c.activeConfigId))
        return {row.stage: row.activeConfigId for row in rows}

    def create_config(
        self,
        *,
        stage: str,
        model: str,
        temperature: float | None,
        prompt: str,
        tools: Any = None,
        schema: Any = None,
        meta: Any = None,
    ) -> StoredConfig:
        """Insert a configuration row (not yet active) and return it."""
        config_id = new_id()
        moment = now()
        self._run(
            config.insert().values(
                id=config_id,
                stage=stage,
                model=model,
                temperature=temperature,
                prompt=prompt,
                tools=tools,
                schema=schema,
                meta=meta,
                createdAt=moment,
                updatedAt=moment,
            )
        )
        created = self.get_config(config_id)
        assert created is not None
        return created

    def publish(self, config_id: str) -> StoredConfig:
        """Make ``config_id`` the active configuration of its stage; return it."""
        try:
            with self.database.engine.begin() as connection:
                row = connection.execute(
                    config.select().where(config.c.id == config_id)
                ).first()
                if row is None:
                    raise ConfigurationError(
                        f"no prompt configuration has the id {config_id!r}"
                    )
                stored = StoredConfig.from_row(row)
                values = {"activeConfigId": config_id, "updatedAt": now()}
                updated = connection.execute(
                    active.update()
                    .where(active.c.stage == stored.stage)
                    .values(**values)
                )
                if updated.rowcount == 0:
                    connection.execute(
                        active.insert().values(stage=stored.stage, **values)
                    )
        except OperationalError as error:
            shown = self.database.shown_url
            raise DatabaseError(f"database error at {shown}: {reason(error)}") from None
        return stored
