"""Rendering the whole output tree in memory, from the intermediate model.

Nothing is written here: :mod:`stepgen.writer` writes what :func:`render_tree` returns,
so a failure while rendering leaves the output untouched.
"""

from __future__ import annotations

from collections.abc import Callable

from stepgen.emit.docs import emit_docs
from stepgen.emit.python import emit_python
from stepgen.emit.typescript import emit_typescript
from stepgen.ir import Pipeline

Emitter = Callable[[Pipeline], dict[str, str]]
EMITTERS: tuple[Emitter, ...] = (emit_python, emit_typescript, emit_docs)


def render_tree(pipeline: Pipeline) -> dict[str, bytes]:
    """Every generated file, by path relative to the output root, as final bytes."""
    texts: dict[str, str] = {}
    for emitter in EMITTERS:
        texts.update(emitter(pipeline))
    return {path: _finish(path, text) for path, text in sorted(texts.items())}


def _finish(path: str, text: str) -> bytes:
    if path.endswith(".py") and text:
        text = format_python(text)
    return text.replace("\r\n", "\n").encode("utf-8")


def format_python(source: str) -> str:
    """Format Python source with black, the project's pinned formatter."""
    import black
    from black.mode import Mode, TargetVersion

    mode = Mode(target_versions={TargetVersion.PY311}, line_length=88)
    return black.format_str(source, mode=mode)
