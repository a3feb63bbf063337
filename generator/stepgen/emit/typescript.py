"""The TypeScript package: Prisma-shaped enums, Zod schemas, one module per step,
and the registry, all from the same intermediate model as the Python package."""

from __future__ import annotations

from typing import Any

from stepgen.emit.templating import render, ts_literal
from stepgen.emit.zod import schema_name, zod
from stepgen.ir import Pipeline, Stage
from stepgen.schemas import bundle, ref_target, used_defs

STEP_TYPES = ("AI_GENERATION", "PROCESSING", "MERGE")
FORMAT_HELPERS = ("codePoints", "isDate", "isDateTime", "isEmail", "isUri", "isUuid")


def emit_typescript(pipeline: Pipeline) -> dict[str, str]:
    """Render every file of the TypeScript package, by path relative to the output root."""
    schemas = _schemas(pipeline)
    source = "\n".join(str(schema["expr"]) for schema in schemas)
    context: dict[str, Any] = {
        "pipeline": pipeline,
        "enums": {**pipeline.enums, "StepType": STEP_TYPES},
        "schemas": schemas,
        "helpers": [
            name
            for name in FORMAT_HELPERS
            if f"{name}(" in source or f"({name}," in source
        ],
        "steps": [_step(pipeline, stage) for stage in pipeline.stages],
    }
    files = {
        "typescript/package.json": render("typescript/package.json.jinja", **context),
        "typescript/tsconfig.json": render("typescript/tsconfig.json.jinja", **context),
        "typescript/src/index.ts": render("typescript/index.ts.jinja", **context),
        "typescript/src/enums.ts": render("typescript/enums.ts.jinja", **context),
        "typescript/src/formats.ts": render("typescript/formats.ts.jinja", **context),
        "typescript/src/definition.ts": render(
            "typescript/definition.ts.jinja", **context
        ),
        "typescript/src/schemas.ts": render("typescript/schemas.ts.jinja", **context),
        "typescript/src/registry.ts": render("typescript/registry.ts.jinja", **context),
    }
    for step in context["steps"]:
        files[f"typescript/src/steps/{step['module']}.ts"] = render(
            "typescript/step.ts.jinja", step=step, **context
        )
    return files


def _schemas(pipeline: Pipeline) -> list[dict[str, str | None]]:
    """Every named schema, each after the schemas it refers to."""
    named: dict[str, Any] = {name: schema for name, schema in pipeline.defs.items()}
    for stage in pipeline.stages:
        named[stage.input_model] = stage.input_schema
        if ref_target(stage.output_schema) is None:
            named[stage.output_model] = stage.output_schema
    ordered: list[str] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in ordered or name in visiting or name not in named:
            return
        visiting.add(name)
        for dependency in used_defs(named[name], pipeline.defs):
            visit(dependency)
        ordered.append(name)

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
