"""Prompt configuration: the stored override a stage runs with, or the manifest's default.

The active configuration of a stage is the ``PromptStageConfig`` row that
``PromptStageActive`` points to, looked up synchronously and cached for three seconds.
A stored configuration is checked against the manifest's rules every time it is
used; a broken one raises :class:`InvalidStoredConfig` naming the stage, the
configuration id and the fields, and is never silently replaced by the default.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from stepgen_runtime.db.prompts import PromptStore
from stepgen_runtime.db.rows import StoredConfig
from stepgen_runtime.definitions import StepDefinition
from stepgen_runtime.errors import ConfigurationError, InvalidStoredConfig
from stepgen_runtime.registry import StepRegistry
from stepgen_runtime.rules import Problems, config_problems

CACHE_SECONDS = 3.0


@dataclass(frozen=True)
class PromptConfig:
    """The configuration a stage runs with; ``config_id`` is None for the default."""

    stage: str
    model: str | None
    temperature: float | None
    prompt: str
    tools: list[Any]
    schema: dict[str, Any] | None
    meta: dict[str, Any]
    config_id: str | None

    @property
    def source(self) -> str:
        """``stored`` or ``default``."""
        return "default" if self.config_id is None else "stored"


@dataclass(frozen=True)
class ConfigReport:
    """The verdict on the configuration a stage would run with."""

    stage: str
    config_id: str | None
    problems: Problems


class ConfigService:
    """Resolves, checks, creates and publishes prompt configurations."""

    def __init__(
        self,
        store: PromptStore,
        registry: StepRegistry,
        *,
        ttl: float = CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = store
        self.registry = registry
        self.ttl = ttl
        self._clock = clock
        self._cache: dict[str, tuple[float, StoredConfig | None]] = {}
        self._lock = threading.Lock()

    def resolve(self, stage: str) -> PromptConfig:
        """The checked configuration ``stage`` runs with now."""
        step = self.registry.get(stage)
        row = self._active(step.stage)
        if row is None:
            return default_config(step)
        problems = self.problems(step, row)
        if problems:
            raise InvalidStoredConfig(str(step.stage), row.id, problems)
        return PromptConfig(
            stage=str(step.stage),
            model=row.model if step.is_ai else row.model or None,
            temperature=row.temperature,
            prompt=row.prompt,
            tools=list(row.tools or []),
            schema=row.schema,
            meta=dict(row.meta or {}),
            config_id=row.id,
        )

    def problems(self, step: StepDefinition, row: StoredConfig) -> Problems:
        """Every rule the stored configuration ``row`` breaks for ``step``."""
        return config_problems(
            step,
            self.registry.variables(step.stage),
            self.registry.models,
            model=row.model,
            temperature=row.temperature,
            prompt=row.prompt,
            tools=row.tools,
            schema=row.schema,
            meta=row.meta,
        )

    def validate(self, stage: str | None = None) -> list[ConfigReport]:
        """Check the configuration each stage (or ``stage``) would run with."""
        steps = [self.registry.get(stage)] if stage else self.registry.steps()
        reports = []
        for step in steps:
            row = self.store.active(step.stage)
            problems = self.problems(step, row) if row is not None else []
            reports.append(ConfigReport(step.stage, row.id if row else None, problems))
        return reports

    def create(
        self,
        stage: str,
        *,
        model: str | None,
        temperature: float | None,
        prompt: str,
        tools: list[Any] | None = None,
        schema: dict[str, Any] | None = None,
        meta: dict[str, Any] | None = None,
    ) -> StoredConfig:
        """Store a new configuration of ``stage`` after checking it; do not publish it."""
        step = self.registry.get(stage)
        found = config_problems(
            step,
            self.registry.variables(step.stage),
            self.registry.models,
            model=model,
            temperature=temperature,
            prompt=prompt,
            tools=tools,
            schema=schema,
            meta=meta,
        )
        if found:
            details = "; ".join(f"{field}: {message}" for field, message in found)
            raise ConfigurationError(
                f"the configuration of {step.stage} is invalid: {details}"
            )
        return self.store.create_config(
            stage=step.stage,
            model=model or "",
            temperature=temperature,
            prompt=prompt,
            tools=tools,
            schema=schema,
            meta=meta,
        )

    def publish(self, config_id: str) -> StoredConfig:
        """Make a stored configuration active after checking it again."""
        row = self.store.get_config(config_id)
        if row is None:
            raise ConfigurationError(
                f"no prompt configuration has the id {config_id!r}"
            )
        step = self.registry.get(row.stage)
        problems = self.problems(step, row)
        if problems:
            raise InvalidStoredConfig(row.stage, row.id, problems)
        published = self.store.publish(config_id)
        self.invalidate(row.stage)
        return published

    def invalidate(self, stage: str | None = None) -> None:
        """Forget cached lookups (of ``stage``, or all)."""
        with self._lock:
            if stage is None:
                self._cache.clear()
            else:
                self._cache.pop(stage, None)

    def _active(self, stage: str) -> StoredConfig | None:
        moment = self._clock()
        with self._lock:
            cached = self._cache.get(stage)
            if cached is not None and moment - cached[0] < self.ttl:
                return cached[1]
        row = self.store.active(stage)
        with self._lock:
            self._cache[stage] = (moment, row)
        return row


def default_config(step: StepDefinition) -> PromptConfig:
    """The manifest's configuration of ``step``."""
    config = step.config
    return PromptConfig(
        stage=str(step.stage),
        model=config.model,
        temperature=config.temperature,
        prompt=config.prompt,
        tools=config.tools,
        schema=config.schema,
        meta=config.meta,
        config_id=None,
    )
