"""The Temporal commands: ``stepgen worker``, and ``--temporal`` on run, approve, reject.

``stepgen worker`` serves the pipeline's workflow and one activity per registered
step on a task queue. Given ``--temporal ADDRESS``, ``run`` creates the job and starts
its workflow, ``approve`` and ``reject`` send the ``approveStage`` and ``rejectStage``
signals; each then follows the workflow until it waits for an approval or ends. The
worker's ``--db``, ``--steps``, ``--client`` and ``--blobs`` decide how stages run;
``run`` needs the same ``--db`` to create the job there.

The Temporal SDK can abort the interpreter while it finalizes, after every piece of
work is done (temporalio/sdk-python#300). So once a command has talked to Temporal,
it prints what it has to say, flushes, and ends the process with its exit code at
once, skipping a finalization that has nothing left to do.
"""

from __future__ import annotations

import asyncio
import functools
import os
import signal
import sys
import traceback
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from stepgen.commands_runtime import (
    RunExit,
    fail,
    guarded,
    open_from,
    runtime_options,
    show_event,
)

if TYPE_CHECKING:
    from stepgen_runtime.temporal.messages import Progress, ProgressEvent
    from stepgen_runtime.temporal.settings import TemporalSettings

TASK_QUEUE_HELP = "Temporal task queue. Default: the service's, rematrix-video."


def on_temporal(work: Callable[[], Coroutine[Any, Any, int]]) -> NoReturn:
    """Run ``work``, which talks to Temporal, and end the process with its exit code."""
    from stepgen_runtime.errors import StepRuntimeError

    code = int(RunExit.ERROR)
    try:
        code = asyncio.run(work())
    except StepRuntimeError as error:
        click.secho(f"error: {error}", fg="red", err=True)
    except KeyboardInterrupt:
        code = 130
    except Exception:
        traceback.print_exc()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def settings_of(address: str | None, task_queue: str | None) -> TemporalSettings:
    """The Temporal settings the options give, with the service's task queue."""
    from stepgen_runtime.temporal.settings import DEFAULT_ADDRESS, TemporalSettings

    settings = TemporalSettings(address=address or DEFAULT_ADDRESS)
    if task_queue:
        settings = TemporalSettings(settings.address, settings.namespace, task_queue)
    return settings


def show_progress(event: ProgressEvent) -> None:
    """Print one progress line, as the embedded runner does."""
    from stepgen_runtime.pipeline import StageEvent

    show_event(
        StageEvent(
            event.stage,
            event.outcome,
            event.version,
            event.duration_s,
            event.approval,
            event.error,
        )
    )


def say_waiting(silence: Exception) -> None:
    """Say once that no worker answers, and that the command waits for one."""
    click.secho(f"{silence}; waiting (Ctrl-C stops waiting, not the job)", err=True)


def conclude(progress: Progress, settings: TemporalSettings) -> int:
    """Say where the workflow is, and return the exit code of a run."""
    from stepgen_runtime.temporal.messages import COMPLETED, FAILED, REJECTED, WAITING
    from stepgen_runtime.temporal.settings import DEFAULT_TASK_QUEUE

    job, stage = progress.job_id, progress.stage
    where = f"--temporal {settings.address}"
    if settings.task_queue != DEFAULT_TASK_QUEUE:
        where += f" --task-queue {settings.task_queue}"
    if progress.state == WAITING:
        click.echo(f"job {job} waits for approval of {stage}:")
        click.echo(f"  stepgen approve {job} {stage} {where}   or")
        click.echo(f"  stepgen reject {job} {stage} --reason TEXT {where}")
        return RunExit.OK
    if progress.state in (FAILED, REJECTED):
        click.secho(f"job {job} {progress.state} at {stage}", fg="red", err=True)
        if progress.error:
            click.secho(f"  {progress.error}", fg="red", err=True)
        return RunExit.FAILED
    status = "COMPLETED" if progress.state == COMPLETED else "RUNNING"
    click.echo(f"job {job} is {status} (stopped after {stage})")
    return RunExit.OK


address_option = click.option(
    "--temporal",
    "address",
    metavar="ADDRESS",
    default=None,
    help="Run on the Temporal server at host:port instead of in this process.",
)
task_queue_option = click.option(
    "--task-queue", default=None, envvar="STEPGEN_TASK_QUEUE", help=TASK_QUEUE_HELP
)


@click.command()
@click.option(
    "--temporal",
    "address",
    metavar="ADDRESS",
    default=None,
    envvar="STEPGEN_TEMPORAL",
    help="The Temporal server, host:port. Default: localhost:7233.",
)
@task_queue_option
@runtime_options
@guarded
def worker(address: str | None, task_queue: str | None, **options: Any) -> None:
    """Serve the pipeline's workflow and stages on Temporal until interrupted."""
    settings = settings_of(address, task_queue)
    runtime = open_from(options)
    shown = runtime.database.shown_url

    def ready() -> None:
        stages = len(runtime.registry.steps())
        click.echo(
            f"worker on {settings.address}, task queue {settings.task_queue}: "
            f"{stages} stages, database {shown}"
        )

    async def work() -> int:
        from stepgen_runtime.temporal.worker import serve

        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for number in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(number, stop.set)
        try:
            await serve(settings, runtime, stop, ready=ready)
        finally:
            runtime.close()
        click.echo("worker stopped")
        return RunExit.OK

    on_temporal(work)


def run_on_temporal(
    settings: TemporalSettings,
    lesson: Path,
    until: str | None,
    auto_approve: bool,
    **options: Any,
) -> NoReturn:
    """Create a job for the lesson and start its workflow; follow it."""
    from stepgen_runtime.errors import UnknownStage
    from stepgen_runtime.temporal.messages import RunRequest, workflow_id

    markdown = lesson.read_text(encoding="utf-8")
    with open_from(options) as runtime:
        stages = runtime.registry.stages()
        if until is not None and until not in stages:
            raise UnknownStage(until, stages)
        job = runtime.pipeline.start(markdown)
        click.echo(f"job {job.id} for {lesson} in {runtime.database.shown_url}")

    async def work() -> int:
        import stepgen_runtime.temporal.client as client
        from stepgen_runtime.temporal.settings import connect

        connection = await connect(settings)
        request = RunRequest(job.id, auto_approve, until)
        handle = await client.start(connection, settings, request)
        click.echo(
            f"workflow {workflow_id(job.id)} on {settings.address}, "
            f"task queue {settings.task_queue}"
        )
        progress = await client.follow(handle, show_progress, on_silence=say_waiting)
        return conclude(progress, settings)

    on_temporal(work)


def decide_on_temporal(
    settings: TemporalSettings,
    job_id: str,
    stage: str,
    approved: bool,
    text: str | None,
    follow: bool,
    steps: str,
) -> NoReturn:
    """Send the approval or rejection of ``stage`` to the job's workflow; follow it."""
    from stepgen_runtime.errors import ApprovalError
    from stepgen_runtime.registry import StepRegistry

    step = StepRegistry.from_package(steps).get(stage)
    if not step.execution.requires_approval:
        raise ApprovalError(job_id, step.stage, "this stage does not need approval")

    async def work() -> int:
        import stepgen_runtime.temporal.client as client
        from stepgen_runtime.temporal.messages import REJECTED
        from stepgen_runtime.temporal.settings import connect

        handle = client.handle_of(await connect(settings), job_id)
        before = await client.send_decision(handle, step.stage, approved, text)
        verb = "approved" if approved else "rejected"
        said = f": {text}" if text else ""
        click.echo(f"{verb} {step.stage} of job {job_id}{said}")
        if not follow:
            return RunExit.OK
        progress = await client.follow(
            handle,
            show_progress,
            seen=len(before.events),
            decided=step.stage,
            on_silence=say_waiting,
        )
        if not approved and progress.state == REJECTED:
            return RunExit.OK
        return conclude(progress, settings)

    on_temporal(work)


def offer_temporal(command: click.Command, handler: Callable[..., NoReturn]) -> None:
    """Add ``--temporal`` and ``--task-queue`` to ``command``; given, ``handler`` runs."""
    original = command.callback
    assert original is not None
    task_queue_option(address_option(command))

    @functools.wraps(original)
    @guarded
    def callback(address: str | None, task_queue: str | None, **kwargs: Any) -> Any:
        if address is None:
            source = click.get_current_context().get_parameter_source("task_queue")
            if source is click.core.ParameterSource.COMMANDLINE:
                fail("--task-queue needs --temporal ADDRESS")
            return original(**kwargs)
        return handler(settings_of(address, task_queue), **kwargs)

    command.callback = callback


def _approve(
    settings: TemporalSettings,
    job_id: str,
    stage: str,
    comment: str | None,
    stop: bool,
    until: str | None,
    auto_approve: bool,
    **options: Any,
) -> NoReturn:
    if until is not None or auto_approve:
        fail("--until and --auto-approve are set when the workflow starts")
    decide_on_temporal(
        settings, job_id, stage, True, comment, not stop, options["steps"]
    )


def _reject(
    settings: TemporalSettings, job_id: str, stage: str, reason: str, **options: Any
) -> NoReturn:
    decide_on_temporal(settings, job_id, stage, False, reason, True, options["steps"])


def register(main: click.Group) -> None:
    """Add ``worker``, and ``--temporal`` to the run, approve and reject commands."""
    main.add_command(worker)
    handlers: dict[str, Callable[..., NoReturn]] = {
        "run": run_on_temporal,
        "approve": _approve,
        "reject": _reject,
    }
    for name, handler in handlers.items():
        offer_temporal(main.commands[name], handler)
