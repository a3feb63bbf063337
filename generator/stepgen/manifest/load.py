"""Reading a manifest into the intermediate model, in the order problems are checked.

JSON syntax first, then the meta-schema, then the pipeline rules; every problem of the
first step that finds any is reported together.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from stepgen.errors import ManifestInvalid, Problem
from stepgen.ir import JobInput, Pipeline, RetryPolicy, Stage
from stepgen.manifest.metaschema import check_meta_schema
from stepgen.manifest.rules import check_rules
from stepgen.manifest.source import Document, read_document
from stepgen.record import digest


def load_pipeline(
    path: Path, *, display: str | None = None, conforming: str | None = None
) -> Pipeline:
    """Load, check and model the manifest at ``path``.

    ``conforming`` is the sha256 of a manifest text known to pass every check of this
    generator (the one the last generation was made from). A manifest with exactly
    that text is not checked again; its prompt files, which may have changed, are.

    Raises :class:`~stepgen.errors.ManifestInvalid` listing every problem found.
    """
    shown = display if display is not None else path.as_posix()
    document, problems = read_document(path, shown)
    if problems:
        raise ManifestInvalid(problems)
    known = conforming is not None and digest(document.text.encode()) == conforming
    if not known:
        problems = check_meta_schema(document)
    if problems:
        raise ManifestInvalid(problems)
    pipeline, problems = build_pipeline(document)
    problems += check_rules(pipeline, document, prompts_only=known)
    if problems:
        raise ManifestInvalid(problems)
    return pipeline


def read_unchecked(path: Path) -> Pipeline | None:
    """The manifest at ``path`` modelled without its checks, or None when it is not
    even JSON. Only for work that is thrown away unless the checks pass."""
    document, problems = read_document(path, path.as_posix())
    return None if problems else build_pipeline(document)[0]


def build_pipeline(document: Document) -> tuple[Pipeline, list[Problem]]:
    """Model a manifest that passed the meta-schema; read its prompt files."""
    data: dict[str, Any] = document.data
    problems: list[Problem] = []
    text = document.text.encode("utf-8")
    inputs = {document.path.name: text}
    stages = []
    for index, raw in enumerate(data["stages"]):
        prompt, prompt_file = _prompt(document, index, raw["config"], inputs, problems)
        stages.append(_stage(index, raw, prompt, prompt_file))
    job_inputs = {
        name: JobInput(name, spec.get("description", ""), spec["from"], spec["schema"])
        for name, spec in data.get("jobInputs", {}).items()
    }
    enums = {"JobStage": tuple(stage.stage for stage in stages)}
    enums.update({name: tuple(values) for name, values in data["enums"].items()})
    pipeline = Pipeline(
        name=data["name"],
        version=data["version"],
        description=data.get("description", ""),
        python_package=data["packages"]["python"],
        typescript_package=data["packages"]["typescript"],
        models=tuple(data["models"]),
        enums=enums,
        job_inputs=job_inputs,
        defs=dict(data.get("$defs", {})),
        stages=tuple(stages),
        inputs=inputs,
        text_digest=digest(text),
        locate=document.problem,
    )
    return pipeline, problems


def _stage(
    index: int, raw: dict[str, Any], prompt: str | None, prompt_file: str | None
) -> Stage:
    config = raw["config"]
    execution = raw["execution"]
    retry = execution.get("retryPolicy")
    return Stage(
        index=index,
        stage=raw["stage"],
        name=raw["name"],
        description=raw.get("description", ""),
        version=raw["version"],
        type=raw["type"],
        model=config.get("model"),
        temperature=config.get("temperature"),
        prompt=prompt,
        prompt_file=prompt_file,
        tools=tuple(config.get("tools", ())),
        meta=dict(config.get("meta", {})),
        sources=tuple(raw["input"]["sources"]),
        job_inputs=tuple(raw["input"].get("job", ())),
        input_schema=raw["input"]["schema"],
        output_type=raw["output"]["type"],
        output_schema=raw["output"]["schema"],
        requires_approval=execution["requiresApproval"],
        retry=(
            RetryPolicy(retry["maxAttempts"], retry["backoffMs"], retry["maxBackoffMs"])
            if retry
            else None
        ),
        timeout_ms=execution.get("timeoutMs"),
    )


def _prompt(
    document: Document,
    index: int,
    config: dict[str, Any],
    inputs: dict[str, bytes],
    problems: list[Problem],
) -> tuple[str | None, str | None]:
    prompt = config.get("prompt")
    if prompt is None or isinstance(prompt, str):
        return prompt, None
    relative = prompt["file"]
    pointer = f"/stages/{index}/config/prompt/file"
    root = document.path.parent.resolve()
    target = (root / relative).resolve()
    if Path(relative).is_absolute() or not target.is_relative_to(root):
        message = f"the prompt file {relative!r} lies outside the manifest's folder"
        problems.append(document.problem(pointer, "prompt-file-outside", message))
        return None, relative
    try:
        raw = target.read_bytes()
    except OSError as error:
        message = f"cannot read the prompt file {relative!r}: {error.strerror or error}"
        problems.append(document.problem(pointer, "prompt-file-missing", message))
        return None, relative
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        message = f"the prompt file {relative!r} is not UTF-8"
        problems.append(document.problem(pointer, "prompt-file-encoding", message))
        return None, relative
    inputs[target.relative_to(root).as_posix()] = raw
    return text, relative
