"""How stage and input names turn into input fields, prompt variables and headings.

These follow the manifest's conventions: the output of ``MY_STAGE`` reaches readers
as the input field ``myStage``; a prompt names it ``<my_stage_json>`` (JSON) or
``<my_stage_outputs>`` (audio, image, video); the job input ``jobId`` is
``<job_id>``; inputs are appended to a prompt under ``# MY_STAGE(JSON)`` or
``# Job id``.
"""

from __future__ import annotations

import re

BLOB_ARTIFACT_TYPES = frozenset({"AUDIO", "IMAGE", "VIDEO"})


def field_name(stage: str) -> str:
    """The input field that carries the output of ``stage``: ``MY_STAGE`` → ``myStage``."""
    head, *rest = stage.lower().split("_")
    return head + "".join(part.capitalize() for part in rest)


def snake_case(name: str) -> str:
    """Turn ``jobId`` or ``MY_STAGE`` into ``job_id`` or ``my_stage``."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


def is_blob_type(artifact_type: str) -> bool:
    """Whether artifacts of this type keep their payload in a blob."""
    return artifact_type in BLOB_ARTIFACT_TYPES


def source_variable(stage: str, artifact_type: str) -> str:
    """The ``<variable>`` a prompt uses for the output of ``stage``."""
    suffix = "outputs" if is_blob_type(artifact_type) else "json"
    return f"<{snake_case(field_name(stage))}_{suffix}>"


def job_variable(name: str) -> str:
    """The ``<variable>`` a prompt uses for the job input ``name``."""
    return f"<{snake_case(name)}>"


def source_heading(stage: str, artifact_type: str) -> str:
    """The heading an input from ``stage`` is appended under: ``PLAN(JSON)``."""
    kind = "OUTPUTS" if is_blob_type(artifact_type) else "JSON"
    return f"{stage}({kind})"


def job_heading(name: str) -> str:
    """The heading a job input is appended under: ``markdown`` → ``Markdown``."""
    return snake_case(name).replace("_", " ").capitalize()
