"""The manifest's rules for a stage's configuration, checked again at run time.

A stored prompt configuration can break rules the manifest never saw, so the runtime
checks every configuration it is about to use: a supported model, a temperature from 0
to 2, a prompt that names each ``<variable>`` of the stage and never uses ``{{…}}``.
Problems are ``(field, message)`` pairs, all of them reported together.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from stepgen_runtime.definitions import StepDefinition

PLACEHOLDER = re.compile(r"\{\{|\}\}")

Problems = list[tuple[str, str]]


def config_problems(
    step: StepDefinition,
    variables: Sequence[str],
    models: Sequence[str],
    *,
    model: Any,
    temperature: Any,
    prompt: Any,
    tools: Any = None,
    schema: Any = None,
    meta: Any = None,
) -> Problems:
    """Return every rule a configuration of ``step`` breaks, as (field, message)."""
    problems: Problems = []
    if step.is_ai:
        if not isinstance(model, str) or not model:
            problems.append(("model", "an AI stage needs a model"))
        elif models and model not in models:
            supported = ", ".join(models)
            message = f"{model!r} is not supported (supported: {supported})"
            problems.append(("model", message))
    problems += _temperature_problems(temperature)
    problems += prompt_problems(step, variables, prompt)
    if tools is not None and not isinstance(tools, list):
        problems.append(("tools", "tools must be a list"))
    if meta is not None and not isinstance(meta, dict):
        problems.append(("meta", "meta must be an object"))
    if schema is not None:
        problems += [("schema", message) for message in schema_problems(schema)]
    return problems


def _temperature_problems(temperature: Any) -> Problems:
    if temperature is None:
        return []
    number = isinstance(temperature, int | float) and not isinstance(temperature, bool)
    if not number or not math.isfinite(temperature) or not 0 <= temperature <= 2:
        return [("temperature", f"{temperature!r} is not a number from 0 to 2")]
    return []


@dataclass(frozen=True)
class PromptFinding:
    """One prompt rule broken: a code, a message and where in the prompt it shows."""

    code: str
    message: str
    offset: int


def prompt_findings(
    prompt: str, variables: Sequence[str], *, ai: bool
) -> list[PromptFinding]:
    """Every prompt rule ``prompt`` breaks; the manifest and stored configs share them.

    No NUL character (PostgreSQL text cannot hold it), no ``{{…}}`` placeholder, and
    for an AI stage a non-empty prompt that mentions each of its ``<variables>``.
    """
    found = []
    if "\x00" in prompt:
        message = "the prompt must not contain the NUL character"
        found.append(PromptFinding("nul-character", message, prompt.index("\x00")))
    placeholder = PLACEHOLDER.search(prompt)
    if placeholder:
        message = "the {{…}} placeholder form is forbidden; write <variable>"
        found.append(PromptFinding("prompt-placeholder", message, placeholder.start()))
    if ai:
        if not prompt.strip():
            found.append(PromptFinding("prompt-empty", "an AI stage needs a prompt", 0))
        missing = [name for name in variables if name not in prompt]
        if missing:
            message = "the prompt does not mention " + ", ".join(missing)
            found.append(PromptFinding("prompt-variable", message, 0))
    return found


def prompt_problems(
    step: StepDefinition, variables: Sequence[str], prompt: Any
) -> Problems:
    """Return the rules ``prompt`` breaks: text, no NUL, no ``{{…}}``, every variable."""
    if not isinstance(prompt, str):
        return [("prompt", "the prompt must be text")]
    return [
        ("prompt", finding.message)
        for finding in prompt_findings(prompt, variables, ai=step.is_ai)
    ]


def schema_problems(schema: Any) -> list[str]:
    """Say why ``schema`` is not a JSON Schema (2020-12) of an object, if it is not."""
    if not isinstance(schema, dict):
        return ["a schema must be a JSON object"]
    try:
        text = json.dumps(schema, sort_keys=True)
    except (TypeError, ValueError):
        return ["a schema must be plain JSON"]
    return list(_schema_problems(text))


@lru_cache(maxsize=256)
def _schema_problems(text: str) -> tuple[str, ...]:
    # Checking a schema against the meta-schema is slow; definitions repeat theirs.
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    schema = json.loads(text)
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as error:
        return (f"not a valid JSON Schema: {error.message}",)
    if schema.get("type") != "object":
        return ('the schema must describe an object ("type": "object")',)
    return ()


def definition_problems(
    step: StepDefinition,
    variables: Sequence[str],
    models: Sequence[str],
    job_inputs: Sequence[str] | None,
) -> Problems:
    """Return every reason ``step`` cannot be registered, as (field, message)."""
    problems: Problems = []
    for field, schema in (
        ("input.schema", step.input.schema),
        ("output.schema", step.output.schema),
    ):
        problems += [(field, message) for message in schema_problems(schema)]
    if job_inputs is not None:
        for name in step.input.job:
            if name not in job_inputs:
                problems.append(("input.job", f"job input {name!r} is not declared"))
    if step.execution.timeout_ms is not None and step.execution.timeout_ms <= 0:
        problems.append(("execution.timeoutMs", "the time limit must be positive"))
    config = step.config
    found = config_problems(
        step,
        variables,
        models,
        model=config.model,
        temperature=config.temperature,
        prompt=config.prompt,
        tools=config.tools,
        schema=config.schema,
        meta=config.meta,
    )
    return problems + [(f"config.{field}", message) for field, message in found]
