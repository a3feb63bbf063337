"""The model generator in a second process, started before the manifest is read.

Importing datamodel-code-generator and warming it up costs more than reading and
checking a manifest. On a machine with more than one core, a forked worker does that
work while the parent loads the manifest and renders the templates; the parent then
sends the prepared schemas and waits for the module. Without ``fork`` (or on one core)
nothing is started and the models are made in-process, with the same result.
"""

from __future__ import annotations

import json
import os
import warnings
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any


class ModelWorker:
    """A forked process that turns one prepared schema document into a models module."""

    def __init__(self, connection: Connection, process: BaseProcess) -> None:
        self._connection = connection
        self._process: BaseProcess | None = process
        self._used = False

    @classmethod
    def start(cls) -> ModelWorker | None:
        """Fork a worker that warms up the model generator; None where none can run."""
        if not hasattr(os, "fork") or (os.cpu_count() or 1) < 2:
            return None
        import multiprocessing

        context = multiprocessing.get_context("fork")
        parent, child = context.Pipe()
        process = context.Process(target=_serve, args=(child,), daemon=True)
        process.start()
        child.close()
        return cls(parent, process)

    def generate(self, document: dict[str, Any]) -> tuple[str | None, str | None]:
        """Send ``document``; return (module source, None) or (None, the generator's error)."""
        self._used = True
        self._connection.send_bytes(json.dumps(document).encode("utf-8"))
        reply = json.loads(self._connection.recv_bytes().decode("utf-8"))
        self.close()
        return reply.get("source"), reply.get("error")

    def close(self) -> None:
        """Stop the worker if it was not used, and release the pipe."""
        process, self._process = self._process, None
        if process is None:
            return
        if not self._used:
            process.terminate()
        self._connection.close()
        process.join()


def _serve(connection: Connection) -> None:
    from datamodel_code_generator import Error

    from stepgen.emit.pydantic_models import run_model_generator

    run_model_generator({"$defs": {"Warm": {"type": "object"}}})  # loads and warms up
    try:
        document = json.loads(connection.recv_bytes().decode("utf-8"))
    except EOFError:
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            reply = {"source": run_model_generator(document)}
        except Error as error:
            reply = {"error": str(error)}
    connection.send_bytes(json.dumps(reply).encode("utf-8"))
