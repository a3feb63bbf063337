"""Trying a stage as its step definition says: attempts, backoff and a time limit.

The retry loop is tenacity's, configured from the step's :class:`RetryPolicy` (the
number of attempts, and a backoff that doubles from ``backoffMs`` up to
``maxBackoffMs``). Each attempt runs under the step's ``timeoutMs``. Errors that say
they are not worth retrying (``retryable`` false) end the loop at once. When a
workflow engine does the retrying, :func:`run_once` makes one numbered attempt.
"""

from __future__ import annotations

import contextvars
import logging
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from stepgen_runtime.definitions import RetryPolicy, StepDefinition
from stepgen_runtime.errors import StageFailed, StageTimeout, StepRuntimeError

logger = logging.getLogger("stepgen_runtime")

SINGLE_ATTEMPT = RetryPolicy(max_attempts=1, backoff_ms=0, max_backoff_ms=0)
T = TypeVar("T")


def run_attempts(
    job_id: str,
    step: StepDefinition,
    call: Callable[[], T],
    sleep: Callable[[float], None],
) -> tuple[T, int]:
    """Call ``call`` under the step's retry policy and time limit.

    Returns the value and the number of attempts made; raises :class:`StageFailed`
    with the last error when no attempt succeeded.
    """
    policy = step.execution.retry_policy or SINGLE_ATTEMPT
    attempts = 0
    retrying = Retrying(
        stop=stop_after_attempt(policy.max_attempts),
        wait=lambda state: policy.delay_ms(state.attempt_number) / 1000,
        retry=retry_if_exception(retryable),
        sleep=sleep,
        before_sleep=_log_retry(job_id, step.stage),
        reraise=True,
    )
    try:
        for attempt in retrying:
            with attempt:
                attempts += 1
                value = within(step, call)
    except Exception as error:
        raise StageFailed(job_id, step.stage, attempts, error) from error
    return value, attempts


def run_once(
    job_id: str, step: StepDefinition, call: Callable[[], T], attempt: int
) -> tuple[T, int]:
    """Make attempt number ``attempt`` of a stage whose retries someone else makes.

    A workflow engine that applies the step's retry policy itself calls this once
    per attempt: ``call`` runs under the step's time limit, and a failure raises
    :class:`StageFailed` counting ``attempt`` attempts.
    """
    try:
        value = within(step, call)
    except Exception as error:
        raise StageFailed(job_id, step.stage, attempt, error) from error
    return value, attempt


def within(step: StepDefinition, call: Callable[[], T]) -> T:
    """Run ``call`` under the step's time limit; an overrun raises StageTimeout."""
    timeout_ms = step.execution.timeout_ms
    if timeout_ms is None:
        return call()
    box: dict[str, Any] = {}
    # The attempt sees the caller's context variables (a workflow engine's activity
    # context, for one), as it would without a time limit.
    context = contextvars.copy_context()

    def target() -> None:
        try:
            box["value"] = context.run(call)
        except BaseException as error:
            box["error"] = error

    # A daemon thread: an attempt that overruns is abandoned, never waited for.
    worker = threading.Thread(target=target, name=f"stepgen-{step.stage}", daemon=True)
    worker.start()
    worker.join(timeout_ms / 1000)
    if worker.is_alive():
        raise StageTimeout(step.stage, timeout_ms)
    if "error" in box:
        raise box["error"]
    value: T = box["value"]
    return value


def retryable(error: BaseException) -> bool:
    """Whether another attempt may succeed after ``error``."""
    if isinstance(error, StepRuntimeError):
        return error.retryable
    return isinstance(error, Exception)


def _log_retry(job_id: str, stage: str) -> Callable[[RetryCallState], None]:
    def log(state: RetryCallState) -> None:
        outcome = state.outcome
        error = outcome.exception() if outcome is not None else None
        logger.debug(
            "job %s stage %s: attempt %d failed (%s); trying again",
            job_id,
            stage,
            state.attempt_number,
            error,
        )

    return log
