"""Comparing two pipelines: every change, classified, and whether a version bump covers it.

Both sides are intermediate models (:class:`~stepgen.ir.Pipeline`), never raw JSON.
Changes come in report order: the manifest's own settings, the enums, the job inputs,
the ``$defs`` entries, the stage list, then each stage in its new order.

A breaking change inside a stage is covered when that stage's ``version`` was raised
or the manifest's major version was; a breaking change outside any stage (an enum, the
stage list, a package name) only by the major version. For a ``0.y.z`` manifest a
raised minor version counts as major, as semantic versioning has it.
"""

from __future__ import annotations

import re
from dataclasses import replace

from stepgen.evolution.report import Change, DiffReport
from stepgen.evolution.rules import rule
from stepgen.evolution.schema_diff import INPUT, diff_schemas
from stepgen.evolution.stages import add_value, match_stages, stage_changes
from stepgen.ir import JOB_STAGE, Pipeline

_SEMVER = re.compile(r"^(\d+)\.(\d+)\.(\d+)")


def diff_pipelines(old: Pipeline, new: Pipeline) -> DiffReport:
    """Classify every change from ``old`` to ``new`` and decide what covers it."""
    changes = [
        *_manifest_changes(old, new),
        *_enum_changes(old, new),
        *_job_input_changes(old, new),
        *_def_changes(old, new),
    ]
    pairs, listed = match_stages(old, new)
    changes += listed
    for before, after in pairs:
        changes += stage_changes(old, new, before, after)
    major = major_bumped(old.version, new.version)
    bumps = {
        after.stage: f"{after.stage} version {before.version} → {after.version}"
        for before, after in pairs
        if after.version > before.version
    }
    manifest = f"manifest version {old.version} → {new.version}" if major else None
    covered = []
    for change in changes:
        by = manifest or (bumps.get(change.stage) if change.stage else None)
        covered.append(
            replace(change, covered_by=by) if change.rule.breaking else change
        )
    return DiffReport(old.version, new.version, major, tuple(covered))


def major_bumped(old: str, new: str) -> bool:
    """Whether ``new`` raises the major version of ``old`` (the minor one for 0.y.z)."""
    before, after = _SEMVER.match(old), _SEMVER.match(new)
    if before is None or after is None:
        return False
    old_major, old_minor = int(before[1]), int(before[2])
    new_major, new_minor = int(after[1]), int(after[2])
    if old_major == new_major == 0:
        return new_minor > old_minor
    return new_major > old_major


def _manifest_changes(old: Pipeline, new: Pipeline) -> list[Change]:
    found = []
    if old.version != new.version:
        detail = f"version {old.version} → {new.version}"
        found.append(Change(rule("manifest-version-changed"), "manifest", detail))
    if old.name != new.name:
        detail = f"name {old.name!r} → {new.name!r}"
        found.append(Change(rule("manifest-described"), "manifest", detail))
    if old.description != new.description:
        found.append(Change(rule("manifest-described"), "manifest", "description"))
    for word, before, after in (
        ("python", old.python_package, new.python_package),
        ("typescript", old.typescript_package, new.typescript_package),
    ):
        if before != after:
            detail = f"{word} package {before} → {after}"
            found.append(Change(rule("package-renamed"), f"packages.{word}", detail))
    for model in new.models:
        if model not in old.models:
            detail = f"model {model} added"
            found.append(Change(rule("model-added"), "models", detail))
    for model in old.models:
        if model not in new.models:
            detail = f"model {model} removed"
            found.append(Change(rule("model-removed"), "models", detail))
    return found


def _enum_changes(old: Pipeline, new: Pipeline) -> list[Change]:
    found = []
    names = [name for name in old.enums if name != JOB_STAGE]
    names += [name for name in new.enums if name not in names and name != JOB_STAGE]
    for name in names:
        where = f"enum {name}"
        if name not in new.enums or name not in old.enums:
            rule_id = "enum-added" if name in new.enums else "enum-removed"
            verb = "added" if name in new.enums else "removed"
            found.append(Change(rule(rule_id), where, f"enum {name} {verb}"))
            continue
        before, after = list(old.enums[name]), list(new.enums[name])
        for value in after:
            if value not in before:
                detail = f"value {value} added ({add_value(name, after, value)})"
                found.append(Change(rule("enum-value-added"), where, detail))
        for value in before:
            if value not in after:
                detail = f"value {value} removed"
                found.append(Change(rule("enum-value-removed"), where, detail))
        kept = [value for value in before if value in after]
        order = [value for value in after if value in before]
        if kept != order:
            detail = f"order {', '.join(kept)} → {', '.join(order)}"
            found.append(Change(rule("enum-reordered"), where, detail))
    return found


def _job_input_changes(old: Pipeline, new: Pipeline) -> list[Change]:
    found = []
    old_defs, new_defs = old.all_defs(), new.all_defs()
    opaque = frozenset(old.enums) | frozenset(new.enums)
    for name, before in old.job_inputs.items():
        where = f"job input {name}"
        after = new.job_inputs.get(name)
        if after is None:
            detail = f"job input {name} removed"
            found.append(Change(rule("job-input-removed"), where, detail))
            continue
        if before.source != after.source:
            detail = f"read from {before.source} → {after.source}"
            found.append(Change(rule("job-input-moved"), where, detail))
        for change in diff_schemas(
            before.schema, after.schema, INPUT, old_defs, new_defs, opaque=opaque
        ):
            spot = f"{where}{change.path}"
            made = Change(rule(change.rule), spot, change.detail, via=change.via)
            found.append(made)
    for name in new.job_inputs:
        if name not in old.job_inputs:
            detail = f"job input {name} added"
            found.append(Change(rule("job-input-added"), f"job input {name}", detail))
    return found


def _def_changes(old: Pipeline, new: Pipeline) -> list[Change]:
    found = []
    for name in old.defs:
        if name not in new.defs:
            detail = f"$defs entry {name} removed"
            found.append(Change(rule("def-removed"), f"$defs/{name}", detail))
    for name in new.defs:
        if name not in old.defs:
            detail = f"$defs entry {name} added"
            found.append(Change(rule("def-added"), f"$defs/{name}", detail))
    return found
