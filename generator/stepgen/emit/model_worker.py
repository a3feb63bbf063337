"""The model generator in a second process, started before the manifest is read.

Importing datamodel-code-generator and warming it up costs more than reading and
checking a manifest. On a machine with more than one core, a forked worker does that
work while the parent loads and checks the manifest; the parent sends the prepared
parts as soon as it has them and renders its templates while the worker generates.
Once warm, the worker forks a copy of itself (warm too, at no cost) and the two make
the parts side by side. The ``stepgen`` console script forks the worker for
``generate`` before it even parses its command line, unless the output root holds a
record of an earlier generation; a generation that finds its models current stops it
unused. Without ``fork`` (or on one core) nothing is started and the models are made
in-process, with the same result.
"""

from __future__ import annotations

import gc
import json
import os
import signal
import struct
import threading
import warnings
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from stepgen.emit.content import Outcome
    from stepgen.emit.model_parts import Part

_LENGTH = struct.Struct(">Q")


class ModelWorker:
    """A forked process that turns prepared parts into their models modules."""

    _prestarted: ModelWorker | None = None

    def __init__(self, pid: int, to_worker: int, from_worker: int) -> None:
        self._pid: int | None = pid
        self._to_worker = to_worker
        self._from_worker = from_worker
        self._sent: tuple[str, Callable[[], Outcome]] | None = None
        self._sender: threading.Thread | None = None
        self._answered = False

    @classmethod
    def start(cls) -> ModelWorker | None:
        """Fork a worker that warms up the model generator; None where none can run."""
        if not hasattr(os, "fork") or (os.cpu_count() or 1) < 2:
            return None
        commands, replies = os.pipe(), os.pipe()
        pid = os.fork()
        if pid == 0:  # the worker: serve one plan, then leave without any clean-up
            code = 1
            try:
                os.close(commands[1])
                os.close(replies[0])
                _serve(commands[0], replies[1])
                code = 0
            finally:
                os._exit(code)
        os.close(commands[0])
        os.close(replies[1])
        return cls(pid, commands[1], replies[0])

    @classmethod
    def prestart(cls) -> None:
        """Fork a worker now, before the command line is even parsed, for
        :meth:`claim` to take; the console script does this for ``generate``."""
        if cls._prestarted is None:
            # What the console script has made so far lives to its end: kept out of
            # the collector's passes, the pages it shares with the worker are not
            # touched, and so not copied, by them.
            gc.freeze()
            cls._prestarted = cls.start()

    @classmethod
    def claim(cls) -> ModelWorker | None:
        """The worker :meth:`prestart` forked, if there is one; it is then yours."""
        worker, cls._prestarted = cls._prestarted, None
        return worker

    @classmethod
    def stop_unclaimed(cls) -> None:
        """Stop the worker :meth:`prestart` forked if nothing claimed it (the command
        failed before it needed one)."""
        worker = cls.claim()
        if worker is not None:
            worker.close()

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
        # The worker reads only once it is warm, and a pipe holds 64 KiB: a thread
        # writes the message so that this process goes on with its own work.
        self._sender = threading.Thread(
            target=_send, args=(self._to_worker, message), daemon=True
        )
        self._sender.start()

        def result() -> Outcome:
            try:
                reply = _receive(self._from_worker)
            except EOFError:
                reply = {"error": "the model generator's process ended early"}
            self._answered = True
            self.close()
            return reply.get("sources"), reply.get("error")

        self._sent = (key, result)
        return result

    def close(self) -> None:
        """Stop the worker unless it has answered, and release the pipes."""
        pid, self._pid = self._pid, None
        if pid is None:
            return
        if not self._answered:
            os.kill(pid, signal.SIGTERM)
        if self._sender is not None:
            self._sender.join()  # ends at once: the message is in or the pipe broke
        os.close(self._to_worker)
        os.close(self._from_worker)
        if self._answered:
            # A worker that has answered is leaving; tearing down its memory takes
            # some milliseconds that the models need not wait for.
            threading.Thread(target=os.waitpid, args=(pid, 0), daemon=True).start()
        else:
            os.waitpid(pid, 0)


def _send(fd: int, message: dict[str, Any]) -> None:
    """Write ``message`` as JSON after its length; a reader that has gone away ends
    it quietly."""
    data = json.dumps(message).encode("utf-8")
    view = memoryview(_LENGTH.pack(len(data)) + data)
    try:
        while view:
            view = view[os.write(fd, view) :]
    except BrokenPipeError:
        pass  # the worker was stopped, or ended early: its reader says so


def _receive(fd: int) -> dict[str, Any]:
    (size,) = _LENGTH.unpack(_read_exactly(fd, _LENGTH.size))
    reply: dict[str, Any] = json.loads(_read_exactly(fd, size).decode("utf-8"))
    return reply


def _read_exactly(fd: int, size: int) -> bytes:
    chunks = []
    while size:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            raise EOFError("the pipe closed early")
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _generate_here(parts: list[Part]) -> Outcome:
    reply = _generate([part.as_message() for part in parts])
    return reply.get("sources"), reply.get("error")


def _serve(commands: int, replies: int) -> None:
    import select

    from stepgen.emit.model_generator import load_model_generator, run_model_generator

    warm = {"defs": {"Warm": {"type": "object"}}, "external": []}
    load_model_generator(lasting=True)  # this process ends after one plan
    # The first run of the model generator finishes its warm-up. Warm up on a tiny
    # schema while the parts are not there yet, or before forking a copy (which
    # then starts warm); a single part warms it up itself.
    waiting = not select.select([commands], [], [], 0)[0]
    if waiting:
        run_model_generator(warm)
    try:
        message = _receive(commands)
    except EOFError:
        return
    parts: list[dict[str, Any]] = message["parts"]
    if not waiting and len(parts) > 1:
        run_model_generator(warm)
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
    _send(replies, reply)


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
    receiver, sender = os.pipe()
    pid = os.fork()
    if pid == 0:  # the copy: make its parts, reply, and leave at once
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        code = 1
        try:
            os.close(receiver)
            _send(sender, _generate(parts))
            code = 0
        finally:
            os._exit(code)
    os.close(sender)

    def stop(*_: object) -> None:
        # Stopped before the copy is done (the manifest failed its checks): stop it too.
        os.kill(pid, signal.SIGKILL)
        os._exit(1)

    signal.signal(signal.SIGTERM, stop)

    def result() -> dict[str, Any]:
        try:
            reply = _receive(receiver)
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
