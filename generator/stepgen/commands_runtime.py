"""The runtime's commands: run a lesson, resume, approve, reject, status, prompts.

They import the runtime only when they run, so the generator's commands stay fast.
Without ``--db`` they use the embedded SQLite database in ``.stepgen/``. Exit codes:
0 when the run finished, stopped for approval or reached ``--until``; 1 when a stage
failed or was rejected; 2 when the command could not be carried out.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

if TYPE_CHECKING:
    from stepgen_runtime.app import Runtime
    from stepgen_runtime.pipeline import RunReport, StageEvent

F = TypeVar("F", bound=Callable[..., Any])


class RunExit(IntEnum):
    """Exit codes of the runtime commands."""

    OK = 0
    FAILED = 1
    ERROR = 2


def fail(message: str) -> NoReturn:
    """Print ``message`` as an error and exit with :attr:`RunExit.ERROR`."""
    click.secho(f"error: {message}", fg="red", err=True)
    sys.exit(RunExit.ERROR)


def guarded(command: F) -> F:
    """Turn the runtime's errors into one error line and exit code 2."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from stepgen_runtime.errors import StepRuntimeError

        try:
            return command(*args, **kwargs)
        except StepRuntimeError as error:
            fail(str(error))

    return wrapper  # type: ignore[return-value]


def runtime_options(command: F) -> F:
    """Add the options every runtime command shares: database, steps, client, blobs,
    and which processors make the media."""
    options = [
        click.option(
            "--db",
            "db_url",
            default=None,
            envvar="STEPGEN_DB",
            help="Database URL. Default: SQLite in .stepgen/.",
        ),
        click.option(
            "--steps",
            default="rematrix_steps",
            envvar="STEPGEN_STEPS",
            show_default=True,
            help="The generated steps package.",
        ),
        click.option(
            "--client",
            default="offline",
            type=click.Choice(["offline", "openai"]),
            show_default=True,
            help="Model client; openai reads OPENAI_BASE_URL and OPENAI_API_KEY.",
        ),
        click.option(
            "--blobs",
            type=click.Path(file_okay=False, path_type=Path),
            default=None,
            help="Folder for audio, image and video blobs. Default: .stepgen/blobs.",
        ),
        click.option(
            "--media",
            type=click.Choice(["real", "standin"]),
            default="real",
            envvar="STEPGEN_MEDIA",
            show_default=True,
            help="real: espeak-ng, Pillow and ffmpeg; standin: quick placeholders "
            "with the same shapes and no media tools.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def open_from(options: dict[str, Any]) -> Runtime:
    """Open the runtime the shared options describe."""
    from stepgen_runtime.app import open_runtime
    from stepgen_runtime.processors import BUILTIN, STANDIN

    return open_runtime(
        options["db_url"],
        steps=options["steps"],
        client=options["client"],
        processors=STANDIN if options.get("media") == "standin" else BUILTIN,
        blobs_dir=options["blobs"],
    )


def show_event(event: StageEvent) -> None:
    """Print one progress line: stage, outcome, version, time."""
    version = f"v{event.version}" if event.version is not None else "-"
    line = (
        f"{event.stage:<11} {event.outcome:<8} {version:<4} {event.duration_s:6.2f} s"
    )
    if event.approval:
        line += f"  approval {event.approval}"
    colour = "red" if event.outcome == "failed" else None
    click.secho(line, fg=colour)
    if event.error:
        click.secho(f"  {event.error}", fg="red", err=True)


def finish(runtime: Runtime, report: RunReport) -> NoReturn:
    """Say where the run stopped and where its artifacts are, then exit."""
    job = report.job_id
    if report.reason == "waiting":
        click.echo(f"job {job} waits for approval of {report.stage}:")
        click.echo(f"  stepgen approve {job} {report.stage}   or")
        click.echo(f"  stepgen reject {job} {report.stage} --reason TEXT")
    elif report.reason in ("failed", "rejected"):
        click.secho(f"job {job} {report.reason} at {report.stage}", fg="red", err=True)
        click.echo(f"  continue with: stepgen resume {job}")
    else:
        click.echo(f"job {job} is {report.job_status} (stopped after {report.stage})")
    click.echo(
        f'artifacts: table "Artifact" of {runtime.database.shown_url}, job {job}'
    )
    blobs = runtime.blobs.job_folder(job)
    if blobs.is_dir():
        click.echo(f"blobs: {blobs}")
    video = video_of(runtime, job)
    if video is not None:
        click.echo(f"video: {video}")
    failed = report.reason in ("failed", "rejected")
    sys.exit(RunExit.FAILED if failed else RunExit.OK)


def video_of(runtime: Runtime, job_id: str) -> Path | None:
    """The MP4 file of the job's latest VIDEO artifact, when it is on this machine."""
    for item in runtime.jobs.latest_artifacts(job_id):
        if item.type == "VIDEO" and (item.blob_url or "").startswith("file:"):
            path = runtime.blobs.path(item.blob_url or "")
            return path if path.is_file() and path.suffix == ".mp4" else None
    return None


def advance(
    runtime: Runtime, job_id: str, until: str | None, auto_approve: bool
) -> NoReturn:
    """Run the job onwards with progress lines, then finish."""
    report = runtime.pipeline.advance(
        job_id, until=until, auto_approve=auto_approve, on_stage=show_event
    )
    finish(runtime, report)


until_option = click.option("--until", default=None, help="Stop after this stage.")
auto_option = click.option(
    "--auto-approve", is_flag=True, help="Approve every stage that asks for approval."
)


@click.command()
@click.argument("lesson", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@runtime_options
@until_option
@auto_option
@guarded
def run(lesson: Path, until: str | None, auto_approve: bool, **options: Any) -> None:
    """Create a job for a Markdown lesson and run its stages."""
    markdown = lesson.read_text(encoding="utf-8")
    with open_from(options) as runtime:
        job = runtime.pipeline.start(markdown)
        click.echo(f"job {job.id} for {lesson} in {runtime.database.shown_url}")
        advance(runtime, job.id, until, auto_approve)


@click.command()
@click.argument("job_id")
@runtime_options
@until_option
@auto_option
@guarded
def resume(job_id: str, until: str | None, auto_approve: bool, **options: Any) -> None:
    """Run a job on from where it stopped; finished stages are reused."""
    with open_from(options) as runtime:
        advance(runtime, job_id, until, auto_approve)


@click.command()
@click.argument("job_id")
@click.argument("stage")
@click.option("--comment", default=None, help="A note kept with the approval.")
@click.option("--no-continue", "stop", is_flag=True, help="Only record the approval.")
@runtime_options
@until_option
@auto_option
@guarded
def approve(
    job_id: str,
    stage: str,
    comment: str | None,
    stop: bool,
    until: str | None,
    auto_approve: bool,
    **options: Any,
) -> None:
    """Approve a stage waiting for approval, then run the job on."""
    with open_from(options) as runtime:
        runtime.pipeline.approve(job_id, stage, comment)
        click.echo(f"approved {stage} of job {job_id}")
        if not stop:
            advance(runtime, job_id, until, auto_approve)


@click.command()
@click.argument("job_id")
@click.argument("stage")
@click.option("--reason", required=True, help="Why the stage's output is rejected.")
@runtime_options
@guarded
def reject(job_id: str, stage: str, reason: str, **options: Any) -> None:
    """Reject a stage waiting for approval; the job fails with the reason."""
    with open_from(options) as runtime:
        runtime.pipeline.reject(job_id, stage, reason)
        click.echo(f"rejected {stage} of job {job_id}: {reason}")


@click.command()
@click.argument("job_id")
@click.option(
    "--format", "output_format", type=click.Choice(["text", "json"]), default="text"
)
@runtime_options
@guarded
def status(job_id: str, output_format: str, **options: Any) -> None:
    """Show a job's status and, for each stage, its latest artifact and approval."""
    with open_from(options) as runtime:
        report = runtime.pipeline.status(job_id)
    job = report.job
    rows: list[dict[str, Any]] = [
        {
            "stage": state.stage,
            "type": state.artifact.type if state.artifact else None,
            "version": state.artifact.version if state.artifact else None,
            "approval": state.approval.status if state.approval else None,
            "comment": state.approval.comment if state.approval else None,
        }
        for state in report.stages
    ]
    if output_format == "json":
        data = {"id": job.id, "status": job.status, "currentStage": job.current_stage}
        click.echo(json.dumps({**data, "error": job.error, "stages": rows}, indent=2))
        return
    click.echo(f"job {job.id}: {job.status} at {job.current_stage}")
    if job.error:
        click.secho(f"error: {job.error}", fg="red")
    for row in rows:
        made = f"{row['type']} v{row['version']}" if row["version"] else "-"
        approval = str(row["approval"] or "")
        if row["comment"]:
            approval += f" ({row['comment']})"
        click.echo(f"  {row['stage']:<11} {made:<10} {approval}".rstrip())


@click.group()
def prompts() -> None:
    """Stored prompt configurations: list, show, create, publish, validate."""


@prompts.command(name="list")
@click.option("--stage", default=None, help="Only this stage.")
@runtime_options
@guarded
def list_configs(stage: str | None, **options: Any) -> None:
    """List stored configurations, newest first, marking the active ones."""
    with open_from(options) as runtime:
        rows = runtime.prompts.list_configs(stage)
        active = runtime.prompts.active_ids()
    if not rows:
        click.echo("no stored configurations; every stage uses the manifest's defaults")
    for row in rows:
        mark = "active" if active.get(row.stage) == row.id else ""
        click.echo(
            f"{row.stage:<11} {row.id}  {row.model or '-'}  "
            f"t={row.temperature}  {row.updated_at:%Y-%m-%d %H:%M:%S}  {mark}".rstrip()
        )


@prompts.command()
@click.argument("stage")
@click.option("--id", "config_id", default=None, help="A stored configuration's id.")
@runtime_options
@guarded
def show(stage: str, config_id: str | None, **options: Any) -> None:
    """Show the configuration a stage runs with (or the stored one with --id)."""
    from stepgen_runtime.configs import default_config

    with open_from(options) as runtime:
        step = runtime.registry.get(stage)
        row = runtime.prompts.get_config(config_id) if config_id else None
        if config_id and row is None:
            fail(f"no prompt configuration has the id {config_id!r}")
        if row is None:
            row = runtime.prompts.active(step.stage)
    if row is None:
        config = default_config(step)
        click.echo(
            f"stage {step.stage}: the manifest's default (nothing stored is active)"
        )
        model, temperature, prompt = config.model, config.temperature, config.prompt
    else:
        click.echo(f"stage {step.stage}: stored configuration {row.id}")
        model, temperature, prompt = row.model, row.temperature, row.prompt
    click.echo(f"model: {model or '-'}\ntemperature: {temperature}\n")
    click.echo(prompt.rstrip())


@prompts.command()
@click.argument("stage")
@click.option("--model", default=None, help="Default: the manifest's model.")
@click.option(
    "--temperature", type=float, default=None, help="Default: the manifest's."
)
@click.option(
    "--prompt-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Default: the manifest's prompt.",
)
@click.option("--publish", is_flag=True, help="Make it the active configuration.")
@runtime_options
@guarded
def create(
    stage: str,
    model: str | None,
    temperature: float | None,
    prompt_file: Path | None,
    publish: bool,
    **options: Any,
) -> None:
    """Store a new configuration of a stage, checked against the manifest's rules."""
    with open_from(options) as runtime:
        step = runtime.registry.get(stage)
        config = step.config
        prompt = (
            prompt_file.read_text(encoding="utf-8") if prompt_file else config.prompt
        )
        row = runtime.configs.create(
            step.stage,
            model=model or config.model,
            temperature=config.temperature if temperature is None else temperature,
            prompt=prompt,
        )
        click.echo(f"created {row.id} for {row.stage}")
        if publish:
            runtime.configs.publish(row.id)
            click.echo(f"published {row.id}: {row.stage} now runs with it")


@prompts.command()
@click.argument("config_id")
@runtime_options
@guarded
def publish(config_id: str, **options: Any) -> None:
    """Make a stored configuration the active one of its stage."""
    with open_from(options) as runtime:
        row = runtime.configs.publish(config_id)
    click.echo(f"published {row.id}: {row.stage} now runs with it")


@prompts.command(name="validate")
@click.argument("stage", required=False)
@runtime_options
@guarded
def validate_configs(stage: str | None, **options: Any) -> None:
    """Check the active configuration of each stage; exit 2 if one is invalid."""
    with open_from(options) as runtime:
        reports = runtime.configs.validate(stage)
    broken = 0
    for report in reports:
        where = report.config_id or "manifest default"
        if not report.problems:
            click.echo(f"{report.stage:<11} ok       {where}")
            continue
        broken += 1
        for field, message in report.problems:
            click.secho(
                f"{report.stage:<11} invalid  {where}: {field}: {message}", fg="red"
            )
    if broken:
        fail(f"{broken} stage(s) have an invalid active configuration")


def register(main: click.Group) -> None:
    """Add the runtime commands to the ``stepgen`` group."""
    for command in (run, resume, approve, reject, status, prompts):
        main.add_command(command)
