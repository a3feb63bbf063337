"""What an emitter returns for one file: its text, or a way to make it later.

Templates render once the costly work has been handed to a helper, so that both run
at the same time; costly text carries a key so that unchanged work can be reused.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from stepgen.emit.model_parts import Part
    from stepgen.ir import Pipeline, Stage

Outcome = tuple[list[str] | None, str | None]


class Helper(Protocol):
    """Something that can make models modules elsewhere (a warmed-up worker)."""

    def submit(self, parts: list[Part], key: str) -> Callable[[], Outcome]:
        """Start on prepared parts (whose plan has ``key``); the result gives (one
        source per part, None) or (None, error), waiting for it if need be."""


@dataclass(frozen=True)
class Rendered:
    """Text rendered from a template when the tree is assembled.

    ``key`` names everything the text is made from besides the generator itself; a
    file made from the same key by the same generator is reused, not rendered again.
    """

    make: Callable[[], str]
    key: str | None = None


def layout_key(pipeline: Pipeline, name: str) -> str | None:
    """The key of a file made from the manifest's own text alone (no prompt file)."""
    if not pipeline.text_digest:
        return None
    return _key("layout", name, pipeline.text_digest)


def stage_key(pipeline: Pipeline, name: str, stage: Stage) -> str | None:
    """The key of a file made from the manifest's text and ``stage``'s prompt."""
    if not pipeline.text_digest:
        return None
    return _key("stage", name, pipeline.text_digest, stage.stage, stage.prompt or "")


def _key(*parts: str) -> str:
    hasher = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8", "surrogatepass")
        hasher.update(f"{len(data)}:".encode() + data)
    return hasher.hexdigest()


@dataclass(frozen=True)
class Deferred:
    """Text that is costly to produce, with a key that changes when the text would.

    ``start`` receives the helper the caller has, if any, begins the work and returns
    the function that finishes it and gives the text.
    """

    key: str
    start: Callable[[Helper | None], Callable[[], str]]


Content = str | Rendered | Deferred
