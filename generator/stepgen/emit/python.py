"""The Python package: enums, models, one module per step, and the registry."""

from __future__ import annotations

import functools
from typing import Any

from stepgen.emit.content import Content, Rendered, layout_key, stage_key
from stepgen.emit.pydantic_models import models_module
from stepgen.emit.templating import canonical_json, later, render
from stepgen.ir import Pipeline, Stage
from stepgen.schemas import bundle

TEMPLATE_DIR = "python"


def emit_python(pipeline: Pipeline) -> dict[str, Content]:
    """Render every file of the Python package, by path relative to the output root."""
    package = pipeline.python_package
    root = f"python/{package}"
    context: dict[str, Any] = {"pipeline": pipeline, "package": package}
    files: dict[str, Content] = {
        "python/pyproject.toml": later("python/pyproject.toml.jinja", **context),
        f"{root}/py.typed": "",
        f"{root}/__init__.py": later("python/__init__.py.jinja", **context),
        f"{root}/enums.py": later("python/enums.py.jinja", **context),
        f"{root}/models.py": models_module(pipeline),
        f"{root}/registry.py": Rendered(
            lambda: _registry(context), layout_key(pipeline, "python/registry")
        ),
        f"{root}/steps/__init__.py": later("python/steps_init.py.jinja", **context),
    }
    for stage in pipeline.stages:
        files[f"{root}/steps/{stage.module_name}.py"] = Rendered(
            functools.partial(_step_module, context, stage),
            stage_key(pipeline, "python/step", stage),
        )
    return files


def _registry(context: dict[str, Any]) -> str:
    job_inputs = _job_inputs(context["pipeline"])
    return render("python/registry.py.jinja", job_inputs=job_inputs, **context)


def _step_module(context: dict[str, Any], stage: Stage) -> str:
    step = step_view(context["pipeline"], stage)
    return render("python/step.py.jinja", stage=stage, step=step, **context)


def step_view(pipeline: Pipeline, stage: Stage) -> dict[str, Any]:
    """The values of one step definition, as JSON-ready data for the templates."""
    output_schema = bundle(pipeline, stage.output_schema)
    return {
        "input_schema": canonical_json(bundle(pipeline, stage.input_schema)),
        "output_schema": canonical_json(output_schema),
        "config_schema": canonical_json(output_schema) if stage.is_ai else None,
        "tools": canonical_json(list(stage.tools)),
        "meta": canonical_json(stage.meta),
        "prompt": stage.prompt or "",
    }


def _job_inputs(pipeline: Pipeline) -> list[dict[str, str]]:
    return [
        {
            "name": job_input.name,
            "source": job_input.source,
            "schema": canonical_json(bundle(pipeline, job_input.schema)),
        }
        for job_input in pipeline.job_inputs.values()
    ]
