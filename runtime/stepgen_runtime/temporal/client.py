"""Starting a job's workflow, sending it approvals, and following its progress.

A running workflow answers the ``progress`` query; one that ended is read from its
result, or from the details of the failure it ended with (a failed or rejected job).
Following polls until the workflow waits for an approval or ends. A query goes to a
worker, so while none answers (none runs, or the last one died and Temporal has not
yet handed its workflows on) following waits, and says so once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

from temporalio.client import (
    Client,
    WorkflowExecutionStatus,
    WorkflowFailureError,
    WorkflowHandle,
)
from temporalio.common import WorkflowIDReusePolicy
from temporalio.converter import value_to_type
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from stepgen_runtime.errors import ApprovalError, EngineError
from stepgen_runtime.temporal.messages import (
    APPROVE_SIGNAL,
    PROGRESS_QUERY,
    REJECT_SIGNAL,
    RUNNING,
    WAITING,
    WORKFLOW_NAME,
    ApproveSignal,
    Progress,
    ProgressEvent,
    RejectSignal,
    RunRequest,
    workflow_id,
)
from stepgen_runtime.temporal.settings import TemporalSettings

POLL_S = 0.25
# A query waits for a worker to answer; none answering is worth saying so.
QUERY_TIMEOUT = timedelta(seconds=10)

Handle = WorkflowHandle[object, Progress]


class NoWorker(EngineError):
    """No worker answered a query about the workflow in time."""


async def start(
    client: Client, settings: TemporalSettings, request: RunRequest
) -> Handle:
    """Start the workflow of ``request.job_id`` on the settings' task queue."""
    try:
        handle: Handle = await client.start_workflow(
            WORKFLOW_NAME,
            request,
            id=workflow_id(request.job_id),
            task_queue=settings.task_queue,
            result_type=Progress,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )
    except RPCError as error:
        raise EngineError(f"cannot start the workflow: {error.message}") from None
    return handle


def handle_of(client: Client, job_id: str) -> Handle:
    """The handle of the workflow that runs ``job_id``."""
    return client.get_workflow_handle(workflow_id(job_id), result_type=Progress)


async def current(handle: Handle) -> Progress:
    """The workflow's progress: from the query while it runs, from its end after."""
    try:
        description = await handle.describe()
        if description.status == WorkflowExecutionStatus.RUNNING:
            progress: Progress = await handle.query(
                PROGRESS_QUERY, result_type=Progress, rpc_timeout=QUERY_TIMEOUT
            )
            return progress
    except RPCError as error:
        raise _engine_error(handle, error) from None
    return await outcome(handle)


async def outcome(handle: Handle) -> Progress:
    """How an ended workflow ended, as the job's progress."""
    try:
        return await handle.result()
    except WorkflowFailureError as error:
        cause = error.cause
        if isinstance(cause, ApplicationError) and cause.details:
            progress: Progress = value_to_type(Progress, cause.details[0])
            return progress
        message = f"workflow {handle.id} ended without a result: {cause}"
        raise EngineError(message) from None


async def follow(
    handle: Handle,
    on_event: Callable[[ProgressEvent], None],
    *,
    seen: int = 0,
    decided: str | None = None,
    on_silence: Callable[[NoWorker], None] | None = None,
) -> Progress:
    """Report new stage events until the workflow waits or ends; return where it is.

    ``seen`` events were reported already; waiting at ``decided`` (a stage whose
    decision was just sent) does not count, since the signal may not have arrived.
    ``on_silence`` hears the first time no worker answers.
    """
    silent = False
    while True:
        try:
            progress = await current(handle)
        except NoWorker as error:
            if on_silence is not None and not silent:
                on_silence(error)
            silent = True
            continue
        for event in progress.events[seen:]:
            on_event(event)
        seen = len(progress.events)
        if progress.state not in (RUNNING, WAITING):
            return progress
        if progress.state == WAITING and progress.stage != decided:
            return progress
        await asyncio.sleep(POLL_S)


async def send_decision(
    handle: Handle, stage: str, approved: bool, text: str | None
) -> Progress:
    """Approve or reject ``stage`` by signal, once the workflow waits for it."""
    progress = await current(handle)
    if progress.state != WAITING or progress.stage != stage:
        where = f"{progress.state} at {progress.stage}" if progress.stage else "new"
        message = f"the workflow does not wait for this approval (it is {where})"
        raise ApprovalError(progress.job_id, stage, message)
    try:
        if approved:
            await handle.signal(APPROVE_SIGNAL, ApproveSignal(stage, text))
        else:
            await handle.signal(REJECT_SIGNAL, RejectSignal(stage, text))
    except RPCError as error:
        raise _engine_error(handle, error) from None
    return progress


def _engine_error(handle: Handle, error: RPCError) -> EngineError:
    if error.status == RPCStatusCode.NOT_FOUND:
        return EngineError(f"no workflow has the id {handle.id}")
    if error.status in (RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.CANCELLED):
        # A query that no worker takes ends this way when its time is up.
        seconds = int(QUERY_TIMEOUT.total_seconds())
        return NoWorker(
            f"no worker answered for workflow {handle.id} in {seconds} s; it goes on "
            "once `stepgen worker` serves its task queue"
        )
    return EngineError(f"Temporal refused a request for {handle.id}: {error.message}")
