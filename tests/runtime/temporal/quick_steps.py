"""The manifest's steps with two stages' time limits shortened, for the Temporal tests.

``stepgen worker --steps tests.runtime.temporal.quick_steps`` runs them. Everything
but the execution settings below is the generated package's, so a time-out or a
killed worker costs a second or two instead of the manifest's minutes.
"""

from __future__ import annotations

from dataclasses import replace

from rematrix_steps import JOB_INPUTS, MODELS, JobStage
from rematrix_steps import STEPS as MANIFEST_STEPS
from stepgen_runtime.definitions import Execution, RetryPolicy

QUICK = {
    "PLAN": Execution(
        requires_approval=True,
        retry_policy=RetryPolicy(max_attempts=2, backoff_ms=500, max_backoff_ms=500),
        timeout_ms=1000,
    ),
    "STORYBOARD": Execution(
        requires_approval=False,
        retry_policy=RetryPolicy(max_attempts=3, backoff_ms=500, max_backoff_ms=1000),
        timeout_ms=2000,
    ),
}
STEPS = tuple(
    replace(step, execution=QUICK.get(str(step.stage), step.execution))
    for step in MANIFEST_STEPS
)

__all__ = ["JOB_INPUTS", "MODELS", "STEPS", "JobStage"]
