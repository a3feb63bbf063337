"""stepgen's runtime: the types generated step packages are built from, and the
registry, executor and database layer that run them.

:mod:`stepgen_runtime.definitions` holds the step definition and its parts;
:mod:`stepgen_runtime.model` holds the base class of every generated model. Both are
small and stable, because every generated package imports them. The names below are
loaded on first use, so importing one small module of the package (the naming rules,
say) does not load pydantic.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from stepgen_runtime.definitions import (
        Execution,
        JobInput,
        RetryPolicy,
        StepConfig,
        StepDefinition,
        StepInput,
        StepOutput,
        StepType,
    )
    from stepgen_runtime.model import SchemaModel

_HOMES = {
    "Execution": "definitions",
    "JobInput": "definitions",
    "RetryPolicy": "definitions",
    "StepConfig": "definitions",
    "StepDefinition": "definitions",
    "StepInput": "definitions",
    "StepOutput": "definitions",
    "StepType": "definitions",
    "SchemaModel": "model",
}

__all__ = [
    "Execution",
    "JobInput",
    "RetryPolicy",
    "SchemaModel",
    "StepConfig",
    "StepDefinition",
    "StepInput",
    "StepOutput",
    "StepType",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'stepgen_runtime' has no attribute {name!r}")
    return getattr(importlib.import_module(f"stepgen_runtime.{home}"), name)
