"""Trying a stage as its step definition says: attempts, backoff and a time limit.

The retry loop is tenacity's, configured from the step's :class:`RetryPolicy` (the
number of attempts, and a backoff that doubles from ``backoffMs`` up to
``maxBackoffMs``). Each attempt runs under the step's ``timeoutMs``, on a worker
thread that later attempts reuse (one that overruns is abandoned). Errors that say
they are not worth retrying (``retryable`` false) end the loop at once. When a
workflow engine does the retrying, :func:`run_once` makes one numbered attempt.
"""

from __future__ import annotations

import contextvars
import logging
import os
import queue
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
    # The attempt sees the caller's context variables (a workflow engine's activity
    # context, for one), as it would without a time limit.
    attempt = _Attempt(contextvars.copy_context(), call)
    _worker(f"stepgen-{step.stage}").tasks.put(attempt)
    if not attempt.done.wait(timeout_ms / 1000):
        raise StageTimeout(step.stage, timeout_ms)
    if attempt.error is not None:
        raise attempt.error
    value: T = attempt.value
    return value


class _Attempt:
    """One call to make on a worker thread, and what it gave."""

    def __init__(self, context: contextvars.Context, call: Callable[[], Any]) -> None:
        self.context = context
        self.call = call
        self.done = threading.Event()
        self.value: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.value = self.context.run(self.call)
        except BaseException as error:
            self.error = error
        finally:
            self.done.set()


class _Worker(threading.Thread):
    """A daemon thread making attempts one after another.

    An attempt that overruns its time limit is abandoned, never waited for: its
    worker stays busy with it, and only a worker that finished its attempt is idle
    and given another one, so starting an attempt seldom costs a new thread.
    """

    def __init__(self, name: str) -> None:
        super().__init__(name=name, daemon=True)
        self.tasks: queue.SimpleQueue[_Attempt] = queue.SimpleQueue()

    def run(self) -> None:
        while True:
            attempt = self.tasks.get()
            attempt.run()
            del attempt
            with _IDLE_LOCK:
                if len(_IDLE) >= MAX_IDLE_WORKERS:
                    return
                _IDLE.append(self)


MAX_IDLE_WORKERS = 8
_IDLE: list[_Worker] = []
_IDLE_LOCK = threading.Lock()


def _forget_workers() -> None:
    """In a forked child, which has none of its parent's threads."""
    global _IDLE_LOCK
    _IDLE.clear()
    _IDLE_LOCK = threading.Lock()


os.register_at_fork(after_in_child=_forget_workers)


def _worker(name: str) -> _Worker:
    """An idle worker, renamed for the attempt it is given, or a new one."""
    with _IDLE_LOCK:
        worker = _IDLE.pop() if _IDLE else None
    if worker is None:
        worker = _Worker(name)
        worker.start()
    else:
        worker.name = name
    return worker


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
