"""Where workers and clients find Temporal: the address, namespace and task queue.

The defaults are Temporal's local address and the existing service's task queue, so
a stepgen worker takes over the service's work without configuration. Do not run it
beside the service's own workers on one task queue: each would receive workflow and
activity tasks that only the other knows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from stepgen_runtime.errors import EngineError

if TYPE_CHECKING:
    from temporalio.client import Client

DEFAULT_ADDRESS = "localhost:7233"
DEFAULT_NAMESPACE = "default"
DEFAULT_TASK_QUEUE = "rematrix-video"


@dataclass(frozen=True)
class TemporalSettings:
    """A Temporal server (``host:port``), the namespace and the task queue to use."""

    address: str = DEFAULT_ADDRESS
    namespace: str = DEFAULT_NAMESPACE
    task_queue: str = DEFAULT_TASK_QUEUE


async def connect(settings: TemporalSettings) -> Client:
    """Connect to the server; raise :class:`EngineError` when it cannot be reached."""
    from temporalio.client import Client

    try:
        return await Client.connect(settings.address, namespace=settings.namespace)
    except RuntimeError as error:
        message = f"cannot reach Temporal at {settings.address}: {error}"
        raise EngineError(message) from None
