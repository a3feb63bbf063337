"""``stepgen diff``: compare two manifests and classify every change by a rule.

Exit codes: 0 when no breaking change is left uncovered by a version bump, 1 when one
is, 2 when a manifest is invalid, a git revision cannot be read or the command is
misused. The rules are listed in ``docs/evolution.md``.
"""

from __future__ import annotations

import json
import sys
import tempfile
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

if TYPE_CHECKING:
    from stepgen.errors import Problem
    from stepgen.evolution import DiffReport
    from stepgen.ir import Pipeline


class DiffExit(IntEnum):
    """Exit codes of ``stepgen diff``."""

    OK = 0
    BREAKING = 1
    INVALID = 2


def _fail(message: str) -> NoReturn:
    click.secho(f"error: {message}", fg="red", err=True)
    sys.exit(DiffExit.INVALID)


def _report_problems(problems: list[Problem], as_json: bool) -> NoReturn:
    if as_json:
        click.echo(json.dumps({"problems": [p.as_dict() for p in problems]}, indent=2))
    else:
        for problem in problems:
            click.echo(problem.render(), err=True)
        count = len(problems)
        plural = "problem" if count == 1 else "problems"
        click.secho(f"{count} {plural}; nothing was compared", fg="red", err=True)
    sys.exit(DiffExit.INVALID)


@click.command("diff")
@click.argument("old", required=False, type=click.Path(dir_okay=False))
@click.argument("new", required=False, type=click.Path(dir_okay=False))
@click.option(
    "--against",
    metavar="REF",
    default=None,
    help="Compare with the manifest at this git revision; OLD is then not given.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="How to print the result.",
)
def diff(
    old: str | None, new: str | None, against: str | None, output_format: str
) -> None:
    """List and classify every change from OLD to NEW (default: the manifest).

    Exit 1 when a breaking change is covered by neither a raised stage version nor a
    raised major manifest version.
    """
    from stepgen.evolution import diff_pipelines
    from stepgen.settings import shown

    if against is not None and new is not None:
        raise click.UsageError("with --against, give at most one manifest (NEW)")
    if against is None and old is None:
        raise click.UsageError("give OLD (and NEW), or --against REF")
    if against is not None:
        old, new = None, old
    new_path = _configured(new)
    new_shown = shown(new_path)
    with tempfile.TemporaryDirectory(prefix="stepgen-diff-") as scratch:
        if old is None:
            old_path, old_shown = _checkout(str(against), new_path, Path(scratch))
        else:
            old_path, old_shown = Path(old), shown(Path(old))
        sides = ((old_path, old_shown), (new_path, new_shown))
        before, after = _load_both(sides, output_format)
    report = diff_pipelines(before, after)
    if output_format == "json":
        body = {"old": old_shown, "new": new_shown, **report.as_dict()}
        click.echo(json.dumps(body, indent=2, ensure_ascii=False))
    else:
        _print_report(report, old_shown, new_shown)
    sys.exit(DiffExit.BREAKING if report.blocking else DiffExit.OK)


def _configured(new: str | None) -> Path:
    from stepgen.errors import StepgenError
    from stepgen.settings import resolve

    if new is not None:
        return Path(new)
    try:
        return resolve(None, None).manifest
    except StepgenError as error:
        _fail(str(error))


def _checkout(ref: str, manifest: Path, into: Path) -> tuple[Path, str]:
    from stepgen.errors import StepgenError
    from stepgen.evolution.revision import manifest_at

    try:
        return manifest_at(ref, manifest, into)
    except StepgenError as error:
        _fail(str(error))


def _load_both(
    sides: tuple[tuple[Path, str], tuple[Path, str]], output_format: str
) -> tuple[Pipeline, Pipeline]:
    from stepgen.errors import ManifestInvalid
    from stepgen.manifest import load_pipeline

    problems: list[Problem] = []
    loaded = []
    for path, display in sides:
        try:
            loaded.append(load_pipeline(path, display=display))
        except ManifestInvalid as error:
            problems += error.problems
    if problems:
        _report_problems(problems, output_format == "json")
    return loaded[0], loaded[1]


def _print_report(report: DiffReport, old: str, new: str) -> None:
    for change in report.changes:
        click.echo(change.render())
    click.echo(f"{old} → {new}: {report.summary()}")
    blocking = len(report.blocking)
    if blocking:
        click.secho(
            f"{blocking} breaking change(s) not covered: raise the version of each "
            "stage named, or the manifest's major version",
            fg="red",
            err=True,
        )


def register(main: click.Group) -> None:
    """Add ``diff`` to the ``stepgen`` group."""
    main.add_command(diff)
