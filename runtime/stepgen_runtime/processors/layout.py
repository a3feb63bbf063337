"""Where the words of a slide go: wrapping to a width and shrinking until all fit.

Text breaks at spaces, and between any two Chinese, Japanese or Korean characters;
a closing mark (，。、）…) never starts a line, and a word longer than a line breaks
inside itself. The title takes the largest size at which it fits in two lines; the
bullets take the largest size at which all of them fit below it. Nothing is ever
cut: text that does not fit even at the smallest size is refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from stepgen_runtime.errors import MissingInput

WIDTH, HEIGHT = 1280, 720
MARGIN = 88
TITLE_TOP = 52
TITLE_SIZES = ((range(56, 29, -2), 2), (range(28, 15, -2), 4))
BULLET_SIZES = range(40, 7, -1)
BULLETS_BOTTOM = HEIGHT - 72
LINE_HEIGHT = 1.4
BASELINE = 1.05
RULE_GAP, RULE_HEIGHT, RULE_WIDTH = 18, 6, 96
BULLETS_GAP = 36
FOOTER_SIZE, FOOTER_BASELINE = 20, HEIGHT - 32

WIDE = "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
TOKEN = re.compile(rf" |[{WIDE}]|[^ {WIDE}]+")
NO_LINE_START = set("，。、；：！？）」』》〉】〕…％,.;:!?)]}%")


class Measure(Protocol):
    """What layout needs of a font: the advance width of a text at a size."""

    def __call__(self, text: str, size: int, bold: bool) -> float: ...


@dataclass(frozen=True)
class Line:
    """One line of text, placed by its left edge and baseline."""

    text: str
    x: int
    baseline: int
    size: int
    bold: bool = False


@dataclass(frozen=True)
class SlideLayout:
    """A slide's title lines, bullet lines (with a marker each) and rule."""

    title: tuple[Line, ...]
    bullets: tuple[tuple[Line, ...], ...]
    rule_top: int
    footer: Line

    @property
    def lines(self) -> tuple[Line, ...]:
        """Every line of the slide, title first."""
        return self.title + tuple(line for lines in self.bullets for line in lines)


def wrap(
    text: str,
    measure: Callable[[str], float],
    width: float,
    limit: int | None = None,
) -> list[str]:
    """Break ``text`` into lines no wider than ``width`` (where a break can help).

    With ``limit``, wrapping stops as soon as more than ``limit`` lines are needed.
    """
    lines: list[str] = []
    line = ""
    for token in TOKEN.findall(" ".join(text.split())):
        if token == " ":
            line += " " if line else ""
            continue
        for piece in [token] if measure(token) <= width else list(token):
            if not line or measure(line + piece) <= width:
                line += piece
                continue
            carry = ""
            if piece in NO_LINE_START and len(line) > 1 and line[-1] != " ":
                line, carry = line[:-1], line[-1]
            lines.append(line.rstrip())
            line = carry + piece
            if limit is not None and len(lines) > limit:
                return lines
    if line.strip():
        lines.append(line.rstrip())
    return lines


def layout_slide(
    title: str, bullets: Sequence[str], page: str, measure: Measure
) -> SlideLayout:
    """Place the title, the bullets and the page number on a 1280×720 slide."""
    width = WIDTH - 2 * MARGIN
    placed_title = _fit_title(title, width, measure)
    step = round(placed_title[0].size * LINE_HEIGHT) if placed_title else 0
    bottom = TITLE_TOP + len(placed_title) * step
    rule_top = bottom + RULE_GAP
    top = rule_top + RULE_HEIGHT + BULLETS_GAP
    placed = _fit_bullets(bullets, width, BULLETS_BOTTOM - top, top, measure)
    if placed is None:
        raise MissingInput(
            "RENDER", f"the bullets of slide {page} do not fit on it at any size"
        )
    right = WIDTH - MARGIN - round(measure(page, FOOTER_SIZE, False))
    footer = Line(page, right, FOOTER_BASELINE, FOOTER_SIZE)
    return SlideLayout(placed_title, placed, rule_top, footer)


def marker_indent(size: int) -> int:
    """How far bullet text stands right of the bullet's marker."""
    return round(size * 1.1)


def _fit_title(title: str, width: int, measure: Measure) -> tuple[Line, ...]:
    if not title.strip():
        return ()
    for sizes, most in TITLE_SIZES:
        for size in sizes:
            lines = wrap(title, _at(measure, size, True), width, most)
            if len(lines) <= most:
                return _place(lines, MARGIN, TITLE_TOP, size, True)
    raise MissingInput("RENDER", f"the title {title[:40]!r}… is too long for a slide")


def _fit_bullets(
    bullets: Sequence[str], width: int, room: int, top: int, measure: Measure
) -> tuple[tuple[Line, ...], ...] | None:
    # Smaller letters never need more lines, so the largest size that fits is
    # found by halving the range of sizes.
    sizes = list(BULLET_SIZES)
    low, high = 0, len(sizes) - 1
    best: tuple[int, list[list[str]]] | None = None
    while low <= high:
        middle = (low + high) // 2
        wrapped = _wrap_bullets(bullets, width, room, sizes[middle], measure)
        if wrapped is None:
            low = middle + 1
        else:
            best, high = (sizes[middle], wrapped), middle - 1
    if best is None:
        return None
    size, wrapped = best
    indent, step, gap = marker_indent(size), round(size * LINE_HEIGHT), size // 2
    placed = []
    for lines in wrapped:
        placed.append(_place(lines, MARGIN + indent, top, size, False))
        top += len(lines) * step + gap
    return tuple(placed)


def _wrap_bullets(
    bullets: Sequence[str], width: int, room: int, size: int, measure: Measure
) -> list[list[str]] | None:
    """The lines of every bullet at ``size``, or None when they need more room."""
    step, gap = round(size * LINE_HEIGHT), size // 2
    budget = (room - gap * (len(bullets) - 1)) // step
    wrapped = []
    for bullet in bullets:
        indented = width - marker_indent(size)
        lines = wrap(bullet, _at(measure, size, False), indented, budget)
        budget -= len(lines)
        if budget < 0:
            return None
        wrapped.append(lines)
    return wrapped


def _at(measure: Measure, size: int, bold: bool) -> Callable[[str], float]:
    return lambda text: measure(text, size, bold)


def _place(
    lines: Sequence[str], x: int, top: int, size: int, bold: bool
) -> tuple[Line, ...]:
    step = round(size * LINE_HEIGHT)
    return tuple(
        Line(text, x, top + index * step + round(size * BASELINE), size, bold)
        for index, text in enumerate(lines)
    )
