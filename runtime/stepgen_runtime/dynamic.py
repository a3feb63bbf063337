"""Steps registered at run time, without generating code.

A step can be written in Python (build a :class:`~stepgen_runtime.definitions.
StepDefinition` with your own pydantic models) or read from a *manifest fragment*: one
stage object, exactly as it stands in a manifest's ``stages`` list, with the shared
schemas it refers to under ``$defs``::

    {"$defs": {...}, "stage": {"stage": "DONE", "name": "...", "type": "MERGE", ...}}

:func:`step_from_fragment` checks the stage against the manifest's meta-schema and
gives its input and output schemas models that judge data with the ``jsonschema``
library (configured as the generated models are: shared formats, ECMAScript patterns).
Register the step with ``StepRegistry.add``, which applies the same checks as to
generated steps; remove it again with ``StepRegistry.remove``.

What a dynamic step does not give you: no generated Python or TypeScript types, no
drift check, no breaking-change check, and its stage must be a value the database's
``JobStage`` enum already has.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

from jsonschema import Draft202012Validator
from pydantic import BaseModel, RootModel, model_validator

from stepgen_runtime.definitions import (
    Execution,
    RetryPolicy,
    StepConfig,
    StepDefinition,
    StepInput,
    StepOutput,
    StepType,
)
from stepgen_runtime.errors import RegistryError
from stepgen_runtime.reference import reference_validator

META_SCHEMA = Path(__file__).with_name("stepgen.schema.json")
DRAFT = "https://json-schema.org/draft/2020-12/schema"


@lru_cache(maxsize=1)
def _stage_validator() -> Draft202012Validator:
    meta = json.loads(META_SCHEMA.read_text("utf-8"))
    fragment = {"$ref": "#/$defs/stage", "$defs": meta["$defs"]}
    return Draft202012Validator(fragment)


def schema_model(name: str, schema: Mapping[str, Any]) -> type[BaseModel]:
    """A model class that accepts exactly the objects ``schema`` accepts."""
    checker = reference_validator(dict(schema))

    class SchemaChecked(RootModel[dict[str, Any]]):
        @model_validator(mode="before")
        @classmethod
        def _check(cls, data: Any) -> Any:
            errors = sorted(
                checker.iter_errors(data), key=lambda error: list(error.path)
            )
            if errors:
                where = "/".join(str(part) for part in errors[0].absolute_path)
                raise ValueError(f"at /{where}: {errors[0].message}")
            return data

    SchemaChecked.__name__ = SchemaChecked.__qualname__ = name
    return SchemaChecked


def step_from_fragment(
    fragment: Mapping[str, Any], *, base: Path | None = None
) -> StepDefinition:
    """Build a step definition from a manifest fragment; raise RegistryError if wrong."""
    stage = fragment.get("stage")
    problems = [
        f"/stage/{'/'.join(str(part) for part in error.absolute_path)}: {error.message}"
        for error in _stage_validator().iter_errors(stage)
    ]
    if problems:
        raise RegistryError("the fragment's stage is invalid: " + "; ".join(problems))
    stage = cast(dict[str, Any], stage)
    defs = dict(fragment.get("$defs", {}))
    name = str(stage["stage"])
    config = stage["config"]
    execution = stage["execution"]
    retry = execution.get("retryPolicy")
    input_schema = _bundle(stage["input"]["schema"], defs)
    output_schema = _bundle(stage["output"]["schema"], defs)
    return StepDefinition(
        stage=name,
        name=stage["name"],
        description=stage.get("description", ""),
        version=stage["version"],
        type=StepType(stage["type"]),
        config=StepConfig(
            prompt=_prompt(config.get("prompt", ""), base),
            model=config.get("model"),
            temperature=config.get("temperature"),
            tools_json=json.dumps(config.get("tools", [])),
            meta_json=json.dumps(config.get("meta", {})),
            schema_json=(
                json.dumps(output_schema) if stage["type"] == "AI_GENERATION" else None
            ),
        ),
        input=StepInput(
            sources=tuple(stage["input"]["sources"]),
            job=tuple(stage["input"].get("job", ())),
            model=schema_model(f"{name.title()}DynamicInput", input_schema),
            schema_json=json.dumps(input_schema),
        ),
        output=StepOutput(
            artifact_type=stage["output"]["type"],
            model=schema_model(f"{name.title()}DynamicOutput", output_schema),
            schema_json=json.dumps(output_schema),
        ),
        execution=Execution(
            requires_approval=execution["requiresApproval"],
            retry_policy=(
                RetryPolicy(
                    retry["maxAttempts"], retry["backoffMs"], retry["maxBackoffMs"]
                )
                if retry
                else None
            ),
            timeout_ms=execution.get("timeoutMs"),
        ),
    )


def load_fragment(path: Path) -> StepDefinition:
    """Read a manifest fragment from a JSON file; prompt files resolve beside it."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as error:
        raise RegistryError(f"cannot read the fragment {path}: {error}") from None
    if not isinstance(data, dict):
        raise RegistryError(f"the fragment {path} must be a JSON object")
    return step_from_fragment(data, base=path.parent)


def _bundle(schema: Any, defs: Mapping[str, Any]) -> dict[str, Any]:
    bundled: dict[str, Any] = {"$schema": DRAFT}
    bundled.update(schema if isinstance(schema, dict) else {})
    if defs:
        bundled["$defs"] = dict(defs)
    return bundled


def _prompt(prompt: Any, base: Path | None) -> str:
    if isinstance(prompt, str):
        return prompt
    if base is None:
        raise RegistryError("a prompt file needs the fragment's folder (load_fragment)")
    root = base.resolve()
    target = (root / str(prompt["file"])).resolve()
    if not target.is_relative_to(root):
        raise RegistryError(f"the prompt file {prompt['file']!r} lies outside {base}")
    try:
        return target.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise RegistryError(
            f"cannot read the prompt file {prompt['file']!r}: {error}"
        ) from None
