"""The model generator in a second process, started before the manifest is read.

Importing datamodel-code-generator and warming it up costs more than reading and
checking a manifest. On a machine with more than one core, a forked worker does that
work while the parent loads and checks the manifest; the parent sends the prepared
parts as soon as it has them and renders its templates while the worker generates.
Once warm, the worker forks a copy of itself (warm too, at no cost) and the two make
the parts side by side. Without ``fork`` (or on one core) nothing is started and the
models are made in-process, with the same result.
"""

from __future__ import annotations

import json
import os
import signal
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from stepgen.emit.content import Outcome

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

    from stepgen.emit.model_parts import Part


class ModelWorker:
    """A forked process that turns prepared parts into their models modules."""

    def __init__(self, connection: Connection, process: BaseProcess) -> None:
        self._connection = connection
        self._process: BaseProcess | None = process
        self._sent: tuple[str, Callable[[], Outcome]] | None = None
        self._answered = False

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

    def submit(self, parts: list[Part], key: str) -> Callable[[], Outcome]:
        """Send ``parts``; the result gives (one module source per part, None) or
        (None, the generator's error), waiting for the worker.

        The worker takes one plan: the same plan again gets the same result, and
        another one is made in this process.
        """
        if self._sent is not None:
            if self._sent[0] == key:
                return self._sent[1]
            self.close()
            return lambda: _generate_here(parts)
        message = {
            "parts": [part.as_message() for part in parts],
            "weights": [part.weight for part in parts],
        }
        self._connection.send_bytes(json.dumps(message).encode("utf-8"))

        def result() -> Outcome:
            reply = json.loads(self._connection.recv_bytes().decode("utf-8"))
            self._answered = True
            self.close()
            return reply.get("sources"), reply.get("error")

        self._sent = (key, result)
        return result

    def close(self) -> None:
        """Stop the worker unless it has answered, and release the pipe."""
        process, self._process = self._process, None
        if process is None:
            return
        if not self._answered:
            process.terminate()
        self._connection.close()
        process.join()


def _generate_here(parts: list[Part]) -> Outcome:
    reply = _generate([part.as_message() for part in parts])
    return reply.get("sources"), reply.get("error")


def _serve(connection: Connection) -> None:
    from stepgen.emit.model_generator import run_model_generator

    warm = {"defs": {"Warm": {"type": "object"}}, "external": []}
    run_model_generator(warm)  # loads and warms up
    try:
        message = json.loads(connection.recv_bytes().decode("utf-8"))
    except EOFError:
        return
    parts: list[dict[str, Any]] = message["parts"]
    mine, theirs = _shares(message["weights"])
    helper = _fork_helper([parts[index] for index in theirs]) if theirs else None
    reply = _generate([parts[index] for index in mine])
    if helper is not None:
        other = helper()
        if "error" in reply or "error" in other:
            reply = {"error": reply.get("error") or other["error"]}
        else:
            sources: list[str] = [""] * len(parts)
            for index, source in zip(mine, reply["sources"], strict=True):
                sources[index] = source
            for index, source in zip(theirs, other["sources"], strict=True):
                sources[index] = source
            reply = {"sources": sources}
    connection.send_bytes(json.dumps(reply).encode("utf-8"))


def _shares(weights: list[int]) -> tuple[list[int], list[int]]:
    """Split part indexes into two shares of about equal weight, heaviest first."""
    mine: list[int] = []
    theirs: list[int] = []
    load = [0, 0]
    for index in sorted(range(len(weights)), key=lambda item: -weights[item]):
        side = 0 if load[0] <= load[1] else 1
        (mine if side == 0 else theirs).append(index)
        load[side] += weights[index]
    return sorted(mine), sorted(theirs)


def _fork_helper(parts: list[dict[str, Any]]) -> Callable[[], dict[str, Any]]:
    """Fork this warm process to make ``parts``; the result waits for its reply."""
    import multiprocessing

    receiver, sender = multiprocessing.Pipe(duplex=False)
    pid = os.fork()
    if pid == 0:  # the copy: make its parts, reply, and leave at once
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        code = 0
        try:
            receiver.close()
            sender.send_bytes(json.dumps(_generate(parts)).encode("utf-8"))
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    sender.close()

    def stop(*_: object) -> None:
        # Stopped before the copy is done (the manifest failed its checks): stop it too.
        os.kill(pid, signal.SIGKILL)
        os._exit(1)

    signal.signal(signal.SIGTERM, stop)

    def result() -> dict[str, Any]:
        try:
            reply: dict[str, Any] = json.loads(receiver.recv_bytes().decode("utf-8"))
        except EOFError:
            reply = {"error": "the model generator's second process ended early"}
        os.waitpid(pid, 0)
        return reply

    return result


def _generate(parts: list[dict[str, Any]]) -> dict[str, Any]:
    from datamodel_code_generator import Error

    from stepgen.emit.model_generator import run_model_generator

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return {"sources": [run_model_generator(part) for part in parts]}
        except Error as error:
            return {"error": str(error)}
