"""What an emitter returns for one file: its text, or a way to make it later.

Templates render once the costly work has been handed to a helper, so that both run
at the same time; costly text carries a key so that unchanged work can be reused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from stepgen.emit.model_parts import Part

Outcome = tuple[list[str] | None, str | None]


class Helper(Protocol):
    """Something that can make models modules elsewhere (a warmed-up worker)."""

    def submit(self, parts: list[Part], key: str) -> Callable[[], Outcome]:
        """Start on prepared parts (whose plan has ``key``); the result gives (one
        source per part, None) or (None, error), waiting for it if need be."""


@dataclass(frozen=True)
class Rendered:
    """Text rendered from a template when the tree is assembled."""

    make: Callable[[], str]


@dataclass(frozen=True)
class Deferred:
    """Text that is costly to produce, with a key that changes when the text would.

    ``start`` receives the helper the caller has, if any, begins the work and returns
    the function that finishes it and gives the text.
    """

    key: str
    start: Callable[[Helper | None], Callable[[], str]]


Content = str | Rendered | Deferred
