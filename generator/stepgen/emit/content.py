"""What an emitter returns for one file: its text, or a way to produce costly text."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Deferred:
    """Text that is costly to produce, with a key that changes when the text would."""

    key: str
    produce: Callable[[], str]


Content = str | Deferred
