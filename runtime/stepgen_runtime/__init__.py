"""stepgen's runtime: the types generated step packages are built from.

:mod:`stepgen_runtime.definitions` holds the step definition and its parts;
:mod:`stepgen_runtime.model` holds the base class of every generated model. Both are
small and stable, because every generated package imports them.
"""

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
