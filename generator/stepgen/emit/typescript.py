"""The TypeScript package: Prisma-shaped enums, Zod schemas, one module per step,
and the registry, all from the same intermediate model as the Python package."""

from __future__ import annotations

import functools
from typing import Any

from stepgen.emit.content import Rendered, layout_key, stage_key
from stepgen.emit.templating import render, ts_literal
from stepgen.emit.zod import schema_name, zod
from stepgen.ir import Pipeline, Stage
from stepgen.schemas import bundle, ref_target, used_defs

STEP_TYPES = ("AI_GENERATION", "PROCESSING", "MERGE")
FORMAT_HELPERS = ("codePoints", "isDate", "isDateTime", "isEmail", "isUri", "isUuid")


def emit_typescript(pipeline: Pipeline) -> dict[str, Rendered]:
    """Every file of the TypeScript package, by path relative to the output root."""
    context: dict[str, Any] = {"pipeline": pipeline}
    names = (
        "package.json",
        "tsconfig.json",
        "src/index.ts",
        "src/enums.ts",
        "src/formats.ts",
        "src/definition.ts",
        "src/schemas.ts",
        "src/registry.ts",
    )
    files = {
        f"typescript/{name}": Rendered(
            functools.partial(_package_file, context, name.rsplit("/", 1)[-1]),
            layout_key(pipeline, f"typescript/{name}"),
        )
        for name in names
    }
    for stage in pipeline.stages:
        files[f"typescript/src/steps/{stage.module_name}.ts"] = Rendered(
            functools.partial(_step_file, pipeline, stage),
            stage_key(pipeline, "typescript/step", stage),
        )
    return files


def _full_context(context: dict[str, Any]) -> dict[str, Any]:
    """The context every TypeScript template shares, made once on first use."""
    if "steps" not in context:
        pipeline: Pipeline = context["pipeline"]
        schemas = _schemas(pipeline)
        source = "\n".join(str(schema["expr"]) for schema in schemas)
        context.update(
            enums={**pipeline.enums, "StepType": STEP_TYPES},
            schemas=schemas,
            helpers=[
                name
                for name in FORMAT_HELPERS
                if f"{name}(" in source or f"({name}," in source
            ],
            steps=[_step(pipeline, stage) for stage in pipeline.stages],
        )
    return context


def _package_file(context: dict[str, Any], name: str) -> str:
    return render(f"typescript/{name}.jinja", **_full_context(context))


def _step_file(pipeline: Pipeline, stage: Stage) -> str:
    return render("typescript/step.ts.jinja", step=_step(pipeline, stage))


def _schemas(pipeline: Pipeline) -> list[dict[str, str | None]]:
    """Every named schema, each after the schemas it refers to."""
    named: dict[str, Any] = {name: schema for name, schema in pipeline.defs.items()}
    for stage in pipeline.stages:
        named[stage.input_model] = stage.input_schema
        if ref_target(stage.output_schema) is None:
            named[stage.output_model] = stage.output_schema
    ordered: dict[str, None] = {}  # insertion-ordered, with fast membership
    visiting: set[str] = set()
    memo: dict[str, frozenset[str]] = pipeline.derived.setdefault("uses-defs", {})

    def visit(name: str) -> None:
        if name in ordered or name in visiting or name not in named:
            return
        visiting.add(name)
        for dependency in used_defs(named[name], pipeline.defs, memo):
            visit(dependency)
        ordered[name] = None

    for name in sorted(named):
        visit(name)
    enums = [
        {"name": schema_name(name), "type": None, "expr": f"z.enum({name})"}
        for name in pipeline.enums
    ]
    return enums + [
        {"name": schema_name(name), "type": name, "expr": zod(named[name])}
        for name in ordered
    ]


def _step(pipeline: Pipeline, stage: Stage) -> dict[str, Any]:
    """The values of one step module, made once per stage."""
    made: dict[str, dict[str, Any]] = pipeline.derived.setdefault("ts-steps", {})
    if stage.stage not in made:
        made[stage.stage] = _make_step(pipeline, stage)
    return made[stage.stage]


def _make_step(pipeline: Pipeline, stage: Stage) -> dict[str, Any]:
    output_schema = bundle(pipeline, stage.output_schema)
    config: dict[str, Any] = {}
    if stage.model is not None:
        config["model"] = stage.model
    if stage.temperature is not None:
        config["temperature"] = stage.temperature
    config["prompt"] = stage.prompt or ""
    if stage.tools:
        config["tools"] = list(stage.tools)
    if stage.is_ai:
        config["schema"] = output_schema
    if stage.meta:
        config["meta"] = stage.meta
    execution: dict[str, Any] = {"requiresApproval": stage.requires_approval}
    if stage.retry is not None:
        execution["retryPolicy"] = {
            "maxAttempts": stage.retry.max_attempts,
            "backoffMs": stage.retry.backoff_ms,
            "maxBackoffMs": stage.retry.max_backoff_ms,
        }
    if stage.timeout_ms is not None:
        execution["timeoutMs"] = stage.timeout_ms
    return {
        "stage": stage.stage,
        "module": stage.module_name,
        "input_schema": schema_name(stage.input_model),
        "output_schema": schema_name(stage.output_model),
        "literals": {
            "stage": ts_literal(stage.stage),
            "name": ts_literal(stage.name),
            "description": ts_literal(stage.description),
            "version": ts_literal(stage.version),
            "type": ts_literal(stage.type),
            "config": ts_literal(config),
            "sources": ts_literal(list(stage.sources)),
            "job": ts_literal(list(stage.job_inputs)),
            "input": ts_literal(bundle(pipeline, stage.input_schema)),
            "outputType": ts_literal(stage.output_type),
            "output": ts_literal(output_schema),
            "execution": ts_literal(execution),
        },
    }
