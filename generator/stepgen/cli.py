"""The ``stepgen`` command. The only place that prints, colours and exits.

Exit codes: 0 clean, 1 drift, 2 invalid input or usage.
"""

from __future__ import annotations

import json
import os
import sys
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from stepgen.console import QUICK_COMMANDS
from stepgen.errors import ManifestInvalid, Problem, StepgenError
from stepgen.settings import Settings, resolve, shown

if TYPE_CHECKING:
    from stepgen.drift import DriftReport


class Exit(IntEnum):
    """Exit codes of every stepgen command."""

    OK = 0
    DRIFT = 1
    INVALID = 2


def run() -> None:
    """The ``stepgen`` console script: run one command and exit with its code.

    The generator's commands end the process as soon as their output is flushed: by
    then they hold no child process, connection or open file, and unloading the
    modules they imported (the model generator, black, jinja2) would take longer than
    the rest of a quick command. Every other command exits the ordinary way.
    """
    try:
        try:
            main.main(prog_name="stepgen")
        finally:
            _stop_unclaimed_worker()
    except SystemExit as done:
        if not set(sys.argv[1:2]) & QUICK_COMMANDS:
            raise
        code = done.code
        if code is not None and not isinstance(code, int):
            print(code, file=sys.stderr)
            code = 1
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code or 0)


def _stop_unclaimed_worker() -> None:
    # The console script forks the model worker for ``generate`` before the command
    # line is read; a command that fails first must not leave it running.
    worker_module = sys.modules.get("stepgen.emit.model_worker")
    if worker_module is not None:
        worker_module.ModelWorker.stop_unclaimed()


def _settings(manifest: str | None, out: str | None) -> Settings:
    try:
        return resolve(manifest, out)
    except StepgenError as error:
        _fail(str(error))


def _fail(message: str) -> NoReturn:
    click.secho(f"error: {message}", fg="red", err=True)
    sys.exit(Exit.INVALID)


def _report_problems(problems: list[Problem], as_json: bool, note: str) -> NoReturn:
    if as_json:
        click.echo(json.dumps({"problems": [p.as_dict() for p in problems]}, indent=2))
    else:
        for problem in problems:
            click.echo(problem.render(), err=True)
        count = len(problems)
        plural = "problem" if count == 1 else "problems"
        click.secho(f"{count} {plural} in the manifest; {note}", fg="red", err=True)
    sys.exit(Exit.INVALID)


manifest_option = click.option(
    "--manifest",
    type=click.Path(dir_okay=False),
    default=None,
    help="The manifest. Default: [tool.stepgen] manifest, else schema/pipeline.json.",
)
out_option = click.option(
    "--out",
    type=click.Path(file_okay=False),
    default=None,
    help="The output root. Default: [tool.stepgen] out, else generated.",
)
format_option = click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="How to print the result.",
)


class _Commands(click.Group):
    """The command group; the runtime, diff and Temporal commands load on first use.

    They pull in the runtime's option handling and asyncio, which the generator's
    commands never need, so ``generate``, ``check`` and ``validate`` start without them.
    """

    _extended = False

    def _extend(self) -> None:
        if self._extended:
            return
        self._extended = True
        from stepgen.commands_diff import register as register_diff
        from stepgen.commands_runtime import register
        from stepgen.commands_temporal import register as register_temporal

        register(self)
        register_diff(self)
        register_temporal(self)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command ``cmd_name``, loading the others when it is not built in."""
        if cmd_name not in self.commands:
            self._extend()
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command's name, sorted."""
        self._extend()
        return super().list_commands(ctx)


@click.group(cls=_Commands)
@click.version_option(package_name="stepgen")
def main() -> None:
    """Generate typed step packages from one pipeline manifest, and check them."""


@main.command()
@manifest_option
@out_option
@format_option
def validate(manifest: str | None, out: str | None, output_format: str) -> None:
    """Check the manifest and report every problem with its location.

    With ``--out``, also check that the output root can be generated into.
    """
    from stepgen.api import validate as run_validate

    settings = _settings(manifest, out)
    if out is not None and settings.out.exists() and not settings.out.is_dir():
        _fail(f"the output root {shown(settings.out)} is not a directory")
    try:
        pipeline = run_validate(settings.manifest)
    except ManifestInvalid as error:
        _report_problems(
            error.problems, output_format == "json", "nothing was generated"
        )
    if output_format == "json":
        click.echo(
            json.dumps({"problems": [], "stages": [s.stage for s in pipeline.stages]})
        )
    else:
        click.echo(f"{shown(settings.manifest)}: valid, {len(pipeline.stages)} stages")


@main.command()
@manifest_option
@out_option
def generate(manifest: str | None, out: str | None) -> None:
    """Generate the packages into the output root; write only files that changed."""
    from stepgen.api import generate as run_generate

    settings = _settings(manifest, out)
    try:
        result = run_generate(settings.manifest, settings.out)
    except ManifestInvalid as error:
        _report_problems(
            error.problems, False, f"{shown(settings.out)} was left unchanged"
        )
    except StepgenError as error:
        _fail(f"{error}; {shown(settings.out)} was left unchanged")
    for name in result.written:
        click.echo(f"wrote    {name}")
    for name in result.deleted:
        click.echo(f"deleted  {name}")
    unchanged = len(result.unchanged)
    click.echo(
        f"{len(result.written)} written, {len(result.deleted)} deleted, "
        f"{unchanged} unchanged in {shown(settings.out)}"
    )


@main.command()
@manifest_option
@out_option
@format_option
@click.option(
    "--diff", "show_diff", is_flag=True, help="Print a unified diff of each file."
)
@click.option(
    "--prisma",
    "prisma_path",
    type=click.Path(dir_okay=False),
    default=None,
    help="Also compare the enums of this schema.prisma with the manifest's.",
)
def check(
    manifest: str | None,
    out: str | None,
    output_format: str,
    show_diff: bool,
    prisma_path: str | None,
) -> None:
    """Fail (exit 1) when the output root and the manifest disagree; never write."""
    from stepgen.drift import check_drift

    settings = _settings(manifest, out)
    try:
        report = check_drift(settings.manifest, settings.out, want_contents=show_diff)
        enum_findings = _prisma_findings(settings, prisma_path)
    except ManifestInvalid as error:
        _report_problems(error.problems, output_format == "json", "nothing was checked")
    except StepgenError as error:
        _fail(str(error))
    clean = report.clean and not enum_findings
    if output_format == "json":
        body = report.as_dict()
        if prisma_path is not None:
            body["prisma"] = enum_findings
            body["status"] = "clean" if clean else "drift"
        click.echo(json.dumps(body, indent=2))
    else:
        _print_drift(settings, report, show_diff)
        _print_enum_findings(prisma_path, enum_findings)
    sys.exit(Exit.OK if clean else Exit.DRIFT)


def _print_drift(settings: Settings, report: DriftReport, show_diff: bool) -> None:
    if report.clean:
        click.echo(f"{shown(settings.out)}: up to date with {shown(settings.manifest)}")
        return
    for finding in report.findings:
        click.echo(
            f"{finding.status:12} {shown(settings.out / finding.path)}", err=True
        )
        if show_diff:
            click.echo(finding.diff(), nl=False)
    click.secho(
        f"{len(report.findings)} file(s) out of date: run `stepgen generate`",
        fg="red",
        err=True,
    )


def _print_enum_findings(prisma_path: str | None, findings: list[str]) -> None:
    if prisma_path is None:
        return
    if not findings:
        click.echo(f"{prisma_path}: enums match the manifest")
        return
    for finding in findings:
        click.echo(f"prisma       {prisma_path}: {finding}", err=True)
    click.secho(
        f"{len(findings)} enum difference(s) between {prisma_path} and the manifest: "
        "migrate the database or change the manifest",
        fg="red",
        err=True,
    )


@main.command()
@manifest_option
@click.option(
    "--format",
    "graph_format",
    type=click.Choice(["mermaid", "dot"]),
    default="mermaid",
    show_default=True,
    help="Mermaid flowchart or Graphviz digraph.",
)
def graph(manifest: str | None, graph_format: str) -> None:
    """Print the stage graph: which stage reads which, in stage order."""
    from stepgen.api import validate as run_validate
    from stepgen.graph import render_graph

    settings = _settings(manifest, None)
    try:
        pipeline = run_validate(settings.manifest)
    except ManifestInvalid as error:
        _report_problems(error.problems, False, "no graph was drawn")
    click.echo(render_graph(pipeline, graph_format), nl=False)


def _prisma_findings(settings: Settings, prisma_path: str | None) -> list[str]:
    if prisma_path is None:
        return []
    from stepgen.api import validate as run_validate
    from stepgen.prisma import compare_enums, read_enums

    try:
        text = Path(prisma_path).read_text("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        _fail(f"cannot read {prisma_path}: {error}")
    return compare_enums(run_validate(settings.manifest), read_enums(text))
