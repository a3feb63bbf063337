"""Comparing the stages of two pipelines: the list itself, then each stage with its twin.

A stage is matched by its name. A removed and an added stage that agree on everything
but their name, description and version are reported as one possible rename.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from stepgen.evolution.report import Change
from stepgen.evolution.rules import rule
from stepgen.evolution.schema_diff import INPUT, OUTPUT, diff_schemas
from stepgen.ir import Pipeline, RetryPolicy, Stage

Pair = tuple[Stage, Stage]


def match_stages(old: Pipeline, new: Pipeline) -> tuple[list[Pair], list[Change]]:
    """Pair each kept (or renamed) stage with its twin; report the list's changes."""
    old_names = [stage.stage for stage in old.stages]
    new_names = [stage.stage for stage in new.stages]
    removed = [stage for stage in old.stages if stage.stage not in new_names]
    added = [stage for stage in new.stages if stage.stage not in old_names]
    renamed: dict[str, str] = {}
    for gone in removed:
        for fresh in added:
            twin = _signature(gone) == _signature(fresh)
            if twin and fresh.stage not in renamed.values():
                renamed[gone.stage] = fresh.stage
                break
    changes = []
    for gone in removed:
        if gone.stage in renamed:
            fresh_name = renamed[gone.stage]
            detail = (
                f"stage {gone.stage} removed and {fresh_name} added with the same "
                f"definition: possibly a rename "
                f"(ALTER TYPE \"JobStage\" RENAME VALUE '{gone.stage}' TO '{fresh_name}')"
            )
            where = f"{gone.stage} → {fresh_name}"
            changes.append(Change(rule("stage-renamed"), where, detail))
        else:
            detail = f"stage {gone.stage} removed"
            changes.append(Change(rule("stage-removed"), gone.stage, detail))
    for fresh in added:
        if fresh.stage not in renamed.values():
            sql = add_value("JobStage", new_names, fresh.stage)
            detail = f"stage {fresh.stage} added ({sql})"
            changes.append(Change(rule("stage-added"), fresh.stage, detail))
    kept = [
        renamed.get(name, name)
        for name in old_names
        if name in new_names or name in renamed
    ]
    order = [name for name in new_names if name in kept]
    if kept != order:
        detail = f"order {', '.join(kept)} → {', '.join(order)}"
        changes.append(Change(rule("stage-reordered"), "stages", detail))
    back = {fresh: gone for gone, fresh in renamed.items()}
    pairs = [
        (old.stage(back.get(stage.stage, stage.stage)), stage)
        for stage in new.stages
        if stage.stage in old_names or stage.stage in back
    ]
    return pairs, changes


def add_value(enum: str, values: list[str], value: str) -> str:
    """The SQL that adds ``value`` to the PostgreSQL enum at its place in ``values``."""
    index = values.index(value)
    if index > 0:
        return f"ALTER TYPE \"{enum}\" ADD VALUE '{value}' AFTER '{values[index - 1]}'"
    if len(values) > 1:
        return f"ALTER TYPE \"{enum}\" ADD VALUE '{value}' BEFORE '{values[1]}'"
    return f"ALTER TYPE \"{enum}\" ADD VALUE '{value}'"


def _signature(stage: Stage) -> Stage:
    return replace(stage, index=0, stage="", name="", description="", version=0)


def stage_changes(
    old: Pipeline, new: Pipeline, before: Stage, after: Stage
) -> list[Change]:
    """Every change from ``before`` (in ``old``) to ``after`` (in ``new``)."""
    name = after.stage
    found: list[Change] = []

    def add(rule_id: str, where: str, detail: str, via: str | None = None) -> None:
        found.append(Change(rule(rule_id), where, detail, name, via))

    if before.version != after.version:
        detail = f"version {before.version} → {after.version}"
        add("stage-version-changed", name, detail)
    if before.type != after.type:
        add("stage-type-changed", name, f"type {before.type} → {after.type}")
    if before.name != after.name:
        add("stage-described", name, f"name {before.name!r} → {after.name!r}")
    if before.description != after.description:
        add("stage-described", name, "description changed")
    for rule_id, where, detail in _list_changes(before, after):
        add(rule_id, f"{name} {where}", detail)
    for variable in _new_variables(old, new, before, after):
        add("prompt-variable-added", f"{name} prompt", f"must now mention {variable}")
    if before.output_type != after.output_type:
        detail = f"artifact type {before.output_type} → {after.output_type}"
        add("artifact-type-changed", f"{name} artifact", detail)
    for rule_id, where, detail in _settings(before, after):
        add(rule_id, f"{name} {where}", detail)
    opaque = frozenset(old.enums) | frozenset(new.enums)
    sides = (
        ("input", INPUT, before.input_schema, after.input_schema),
        ("output", OUTPUT, before.output_schema, after.output_schema),
    )
    old_defs, new_defs = old.all_defs(), new.all_defs()
    for side, direction, old_schema, new_schema in sides:
        for change in diff_schemas(
            old_schema, new_schema, direction, old_defs, new_defs, opaque=opaque
        ):
            add(change.rule, f"{name} {side}{change.path}", change.detail, change.via)
    return found


_READS = (
    ("sources", "stage", "source-added", "source-removed"),
    ("job inputs", "job input", "job-input-read", "job-input-unread"),
)


def _list_changes(before: Stage, after: Stage) -> list[tuple[str, str, str]]:
    found = []
    lists = ((before.sources, after.sources), (before.job_inputs, after.job_inputs))
    for (where, label, gained, lost), (old_items, new_items) in zip(
        _READS, lists, strict=True
    ):
        for item in new_items:
            if item not in old_items:
                found.append((gained, where, f"reads {label} {item}"))
        for item in old_items:
            if item not in new_items:
                found.append((lost, where, f"no longer reads {label} {item}"))
    return found


def _new_variables(
    old: Pipeline, new: Pipeline, before: Stage, after: Stage
) -> list[str]:
    if not after.is_ai:
        return []
    known = set(old.variables(before)) if before.is_ai else set()
    return [variable for variable in new.variables(after) if variable not in known]


def _settings(before: Stage, after: Stage) -> list[tuple[str, str, str]]:
    found = []
    if before.requires_approval != after.requires_approval:
        rule_id = "approval-added" if after.requires_approval else "approval-removed"
        verb = "now requires" if after.requires_approval else "no longer requires"
        found.append((rule_id, "approval", f"{verb} approval"))
    if before.retry != after.retry:
        detail = f"{_retry(before.retry)} → {_retry(after.retry)}"
        found.append(("retry-changed", "retry policy", detail))
    if before.timeout_ms != after.timeout_ms:
        detail = f"{_ms(before.timeout_ms)} → {_ms(after.timeout_ms)}"
        found.append(("timeout-changed", "timeout", detail))
    for rule_id, word, old_value, new_value in (
        ("model-changed", "model", before.model, after.model),
        ("temperature-changed", "temperature", before.temperature, after.temperature),
    ):
        if old_value != new_value:
            detail = f"{_shown(old_value)} → {_shown(new_value)}"
            found.append((rule_id, word, detail))
    if before.prompt_file != after.prompt_file:
        detail = (
            f"prompt file {_shown(before.prompt_file)} → {_shown(after.prompt_file)}"
        )
        found.append(("prompt-changed", "prompt", detail))
    if before.prompt != after.prompt:
        found.append(("prompt-changed", "prompt", "prompt text changed"))
    if before.tools != after.tools:
        found.append(("config-changed", "config", "tools changed"))
    if before.meta != after.meta:
        found.append(("config-changed", "config", "meta changed"))
    return found


def _retry(policy: RetryPolicy | None) -> str:
    if policy is None:
        return "no retry policy"
    return (
        f"{policy.max_attempts} attempts, backoff {policy.backoff_ms} ms "
        f"up to {policy.max_backoff_ms} ms"
    )


def _ms(value: int | None) -> str:
    return "no limit" if value is None else f"{value} ms"


def _shown(value: Any) -> str:
    return "none" if value is None else str(value)
