"""Model clients: the offline default, and an OpenAI-compatible HTTP client.

Every client answers a :class:`ModelRequest` with one JSON object or raises
:class:`~stepgen_runtime.errors.ModelError`.
"""

from __future__ import annotations

from stepgen_runtime.clients.base import ModelClient, ModelRequest
from stepgen_runtime.clients.offline import OfflineClient
from stepgen_runtime.clients.openai import OpenAIClient
from stepgen_runtime.errors import ConfigurationError

CLIENT_NAMES = ("offline", "openai")


def make_client(name: str) -> ModelClient:
    """The client called ``name``: ``offline`` or ``openai`` (from the environment)."""
    if name == "offline":
        return OfflineClient()
    if name == "openai":
        return OpenAIClient.from_env()
    raise ConfigurationError(
        f"unknown model client {name!r}; choose one of {', '.join(CLIENT_NAMES)}"
    )


__all__ = [
    "CLIENT_NAMES",
    "ModelClient",
    "ModelRequest",
    "OfflineClient",
    "OpenAIClient",
    "make_client",
]
