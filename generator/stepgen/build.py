"""Rendering the whole output tree in memory, from the intermediate model.

Nothing is written here: :mod:`stepgen.writer` writes what :func:`render_tree` returns,
so a failure while rendering leaves the output untouched. Work whose inputs did not
change since the last generation is not redone: every made file has a key naming what
it is made from (the manifest's own text, and a stage's prompt for the files that
hold it), and an output on disk whose key and hash match the ownership record, made
by the same generator, is reused as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from stepgen.emit.content import Content, Deferred, Helper, Rendered
from stepgen.emit.docs import emit_docs
from stepgen.emit.python import emit_python
from stepgen.emit.typescript import emit_typescript
from stepgen.ir import Pipeline
from stepgen.record import Record, digest

Emitter = Callable[[Pipeline], Mapping[str, Content]]
EMITTERS: tuple[Emitter, ...] = (emit_python, emit_typescript, emit_docs)


@dataclass(frozen=True)
class Memo:
    """Outputs of the last generation that may be reused when their key is unchanged."""

    out: Path | None = None
    record: Record | None = None
    fingerprint: str = ""

    def reuse(self, path: str, key: str) -> bytes | None:
        """The file at ``path`` as last generated, if it was made from ``key``."""
        record = self.record
        if self.out is None or record is None or record.fingerprint != self.fingerprint:
            return None
        if record.memo.get(path) != key:
            return None
        try:
            data = (self.out / path).read_bytes()
        except OSError:
            return None
        return data if digest(data) == record.files.get(path) else None


def render_tree(
    pipeline: Pipeline,
    memo: Memo | None = None,
    helper: Helper | None = None,
    ready: Callable[[dict[str, bytes]], None] | None = None,
) -> tuple[dict[str, bytes], dict[str, str]]:
    """Every generated file as final bytes, and the key each costly file was made from.

    Costly work that cannot be reused is started first, so that ``helper`` does it
    while the templates render; ``ready`` gets the files made by then, before this
    waits for the rest. Templates write Python exactly as black leaves it (a test
    holds them to that); produced modules come formatted.
    """
    contents: dict[str, Content] = {}
    for emitter in EMITTERS:
        contents.update(emitter(pipeline))
    memo = memo or Memo()
    files: dict[str, bytes] = {}
    keys: dict[str, str] = {}
    pending: dict[str, Callable[[], str]] = {}
    for path, content in contents.items():
        if isinstance(content, Deferred):
            keys[path] = content.key
            reused = memo.reuse(path, content.key)
            if reused is not None:
                files[path] = reused
            else:
                pending[path] = content.start(helper)
    for path, content in contents.items():
        if isinstance(content, str):
            files[path] = content.encode("utf-8")
        elif isinstance(content, Rendered):
            reused = None
            if content.key is not None:
                keys[path] = content.key
                reused = memo.reuse(path, content.key)
            files[path] = content.make().encode() if reused is None else reused
    if pending and ready is not None:
        ready(dict(files))
    for path, finish in pending.items():
        files[path] = finish().encode("utf-8")
    return dict(sorted(files.items())), keys
