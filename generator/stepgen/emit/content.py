"""What an emitter returns for one file: its text, or a way to produce costly text."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol


class Helper(Protocol):
    """Something that can make a models module elsewhere (a warmed-up worker)."""

    def generate(self, document: dict[str, Any]) -> tuple[str | None, str | None]:
        """Return (source, None) or (None, error) for a prepared schema document."""


@dataclass(frozen=True)
class Deferred:
    """Text that is costly to produce, with a key that changes when the text would.

    ``produce`` receives the helper the caller has, if any, to do the work with.
    """

    key: str
    produce: Callable[[Helper | None], str]


Content = str | Deferred
