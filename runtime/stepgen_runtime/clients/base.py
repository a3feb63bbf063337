"""What the executor asks a model client, and what a client must answer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class ModelRequest:
    """One structured-output request: the assembled prompt and the schema to match.

    ``inputs`` are the stage's checked input values, for clients that derive an
    answer from them instead of asking a model (the offline client).
    """

    stage: str
    model: str
    temperature: float | None
    prompt: str
    schema: dict[str, Any]
    inputs: Mapping[str, Any] = field(default_factory=dict)
    timeout_s: float | None = None


class ModelClient(Protocol):
    """Anything that answers a :class:`ModelRequest` with one JSON object."""

    @property
    def name(self) -> str:
        """A short name recorded in artifact meta (``offline``, ``openai``)."""

    def complete(self, request: ModelRequest) -> dict[str, Any]:
        """Return the model's answer; raise :class:`ModelError` when it fails."""
