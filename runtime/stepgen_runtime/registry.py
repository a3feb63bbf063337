"""The step registry: which stages exist, in which order, and what each one reads.

A registry is built from a generated package (:meth:`StepRegistry.from_package`) and
can change at run time through explicit ``add``, ``remove`` and ``clear``. Every
change keeps it consistent: a stage is never silently replaced, every source exists
and runs earlier, no cycle appears, and a stage others read from is never removed.
"""

from __future__ import annotations

import importlib
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType

from stepgen_runtime.definitions import JobInput, StepDefinition
from stepgen_runtime.errors import RegistryError, UnknownStage
from stepgen_runtime.naming import job_variable, source_variable
from stepgen_runtime.rules import definition_problems


@dataclass(frozen=True)
class RegistryStats:
    """Counts of the registered steps: in all, by step type, and by approval."""

    total: int
    by_type: Mapping[str, int]
    by_approval: Mapping[str, int]


class StepRegistry:
    """The registered steps of one pipeline, kept in execution order.

    ``order`` fixes the execution order (the values of the stage enum); a stage outside
    it cannot be registered. Without ``order``, steps run in registration order.
    """

    def __init__(
        self,
        steps: Sequence[StepDefinition] = (),
        *,
        order: Sequence[str] | None = None,
        models: Sequence[str] = (),
        job_inputs: Mapping[str, JobInput] | None = None,
    ) -> None:
        self._order = tuple(order) if order is not None else None
        self._steps: dict[str, StepDefinition] = {}
        self.models: tuple[str, ...] = tuple(models)
        self.job_inputs: Mapping[str, JobInput] = dict(job_inputs or {})
        for step in steps:
            self.add(step)

    @classmethod
    def from_package(cls, package: ModuleType | str) -> StepRegistry:
        """Build a registry holding every step of a generated package, in its order."""
        try:
            module = (
                importlib.import_module(package)
                if isinstance(package, str)
                else package
            )
        except ImportError as error:
            message = f"cannot import the steps package {package!r}: {error}"
            raise RegistryError(message) from None
        missing = [
            name
            for name in ("STEPS", "JobStage", "MODELS", "JOB_INPUTS")
            if not hasattr(module, name)
        ]
        if missing:
            raise RegistryError(
                f"{module.__name__} is not a generated steps package: it lacks "
                + ", ".join(missing)
            )
        steps: Sequence[StepDefinition] = module.STEPS
        return cls(
            steps,
            order=[str(stage) for stage in module.JobStage],
            models=module.MODELS,
            job_inputs=module.JOB_INPUTS,
        )

    def add(self, step: StepDefinition, *, replace: bool = False) -> None:
        """Register ``step``; an existing stage is an error unless ``replace`` is set."""
        stage = str(step.stage)
        if stage in self._steps and not replace:
            raise RegistryError(
                f"stage {stage} is already registered; pass replace=True to replace it"
            )
        if self._order is not None and stage not in self._order:
            known = ", ".join(self._order)
            raise RegistryError(
                f"stage {stage!r} is not a stage of this pipeline ({known})"
            )
        self._check_sources(step)
        self._check_replacement(step)
        problems = definition_problems(
            step,
            self._variables_of(step),
            self.models,
            list(self.job_inputs) if self.job_inputs else None,
        )
        if problems:
            details = "; ".join(f"{field}: {message}" for field, message in problems)
            raise RegistryError(f"step {stage} cannot be registered: {details}")
        self._steps[stage] = step
        if self._order is not None:
            position = {name: index for index, name in enumerate(self._order)}
            ordered = sorted(self._steps.items(), key=lambda item: position[item[0]])
            self._steps = dict(ordered)

    def get(self, stage: str) -> StepDefinition:
        """Return the step of ``stage``; raise :class:`UnknownStage` naming it if none."""
        try:
            return self._steps[str(stage)]
        except KeyError:
            raise UnknownStage(str(stage), list(self._steps)) from None

    def has(self, stage: str) -> bool:
        """Whether a step is registered for ``stage``."""
        return str(stage) in self._steps

    def remove(self, stage: str) -> StepDefinition:
        """Unregister ``stage`` and return its step; refused while others read from it."""
        step = self.get(stage)
        readers = self.dependents(stage)
        if readers:
            raise RegistryError(
                f"stage {step.stage} cannot be removed: {', '.join(readers)} read from it"
            )
        del self._steps[str(step.stage)]
        return step

    def clear(self) -> None:
        """Unregister every step."""
        self._steps.clear()

    def steps(self) -> tuple[StepDefinition, ...]:
        """Every registered step, in execution order."""
        return tuple(self._steps.values())

    def stages(self) -> tuple[str, ...]:
        """Every registered stage name, in execution order."""
        return tuple(self._steps)

    def sources(self, stage: str) -> tuple[StepDefinition, ...]:
        """The steps whose output ``stage`` reads, in the order it declares them."""
        return tuple(self.get(source) for source in self.get(stage).input.sources)

    def dependents(self, stage: str) -> tuple[str, ...]:
        """The stages that read the output of ``stage``, in execution order."""
        return tuple(
            name
            for name, step in self._steps.items()
            if str(stage) in step.input.sources
        )

    def variables(self, stage: str) -> tuple[str, ...]:
        """The ``<variables>`` a prompt of ``stage`` must mention, in input order."""
        return self._variables_of(self.get(stage))

    def stats(self) -> RegistryStats:
        """Counts of the registered steps by type and by approval."""
        steps = self._steps.values()
        by_type = Counter(str(step.type) for step in steps)
        approval = Counter(
            "requiresApproval" if step.execution.requires_approval else "automatic"
            for step in steps
        )
        return RegistryStats(len(self._steps), dict(by_type), dict(approval))

    def __len__(self) -> int:
        return len(self._steps)

    def __iter__(self) -> Iterator[StepDefinition]:
        return iter(self.steps())

    def __contains__(self, stage: object) -> bool:
        return isinstance(stage, str) and stage in self._steps

    def _variables_of(self, step: StepDefinition) -> tuple[str, ...]:
        found = [
            source_variable(source, self._steps[source].output.artifact_type)
            for source in step.input.sources
            if source in self._steps
        ]
        return tuple(found + [job_variable(name) for name in step.input.job])

    def _check_sources(self, step: StepDefinition) -> None:
        stage = str(step.stage)
        earlier = self._earlier(stage)
        for source in step.input.sources:
            if source == stage:
                raise RegistryError(f"stage {stage} reads its own output (a cycle)")
            if source not in self._steps:
                raise RegistryError(
                    f"stage {stage} reads {source}, which is not registered"
                )
            if source not in earlier:
                raise RegistryError(
                    f"stage {stage} reads {source}, which runs after it; "
                    "sources must come earlier"
                )
        cycle = self._cycle_through(step)
        if cycle:
            raise RegistryError(
                "registering it would close a cycle: " + " → ".join(cycle)
            )

    def _earlier(self, stage: str) -> set[str]:
        if self._order is None:
            names = list(self._steps)
            return set(names[: names.index(stage)] if stage in names else names)
        index = self._order.index(stage)
        return {name for name in self._steps if self._order.index(name) < index}

    def _cycle_through(self, step: StepDefinition) -> list[str] | None:
        graph = {name: list(other.input.sources) for name, other in self._steps.items()}
        graph[str(step.stage)] = list(step.input.sources)
        start = str(step.stage)
        stack: list[tuple[str, list[str]]] = [(start, [start])]
        seen: set[str] = set()
        while stack:
            name, path = stack.pop()
            for source in graph.get(name, ()):
                if source == start:
                    return [*path, source]
                if source not in seen:
                    seen.add(source)
                    stack.append((source, [*path, source]))
        return None

    def _check_replacement(self, step: StepDefinition) -> None:
        stage = str(step.stage)
        old = self._steps.get(stage)
        readers = self.dependents(stage)
        if old is None or not readers:
            return
        same_type = old.output.artifact_type == step.output.artifact_type
        if not same_type or old.output.schema != step.output.schema:
            raise RegistryError(
                f"stage {stage} cannot be replaced by a step with another output: "
                f"{', '.join(readers)} read from it"
            )
