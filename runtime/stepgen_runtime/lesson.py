"""A Markdown lesson read into a title and sections, for offline derivations.

Headings of level 1 give the title; headings of level 2 and below open sections. A
section's points are its list items, or else the first sentences of its paragraphs.
Code blocks are kept out of the points. Works for any script: Chinese text is split
on its own sentence marks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
LIST_ITEM = re.compile(r"^\s*(?:[-*+]|[0-9]+[.)])\s+(.+)$")
SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s*")
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")
INLINE_MARKUP = re.compile(r"[*_`]+|\[([^\]]*)\]\([^)]*\)")
MAX_POINTS = 6
MAX_POINT_CHARS = 120


@dataclass
class Section:
    """One section of a lesson: its heading and its points."""

    title: str
    points: list[str] = field(default_factory=list)
    sentences: list[str] = field(default_factory=list)


@dataclass
class Lesson:
    """A lesson's title, sections and size."""

    title: str
    sections: list[Section]
    words: int
    cjk: bool

    @property
    def speaking_seconds(self) -> float:
        """How long reading the lesson aloud takes at a calm pace."""
        return self.words / (4.0 if self.cjk else 2.3)


def is_cjk(text: str) -> bool:
    """Whether ``text`` is mostly Chinese, Japanese or Korean."""
    letters = [char for char in text if char.isalpha()]
    return bool(letters) and sum(bool(CJK.match(c)) for c in letters) * 3 > len(letters)


def plain(text: str) -> str:
    """``text`` without inline Markdown markup."""
    return INLINE_MARKUP.sub(lambda match: match.group(1) or "", text).strip()


def read_lesson(markdown: str) -> Lesson:
    """Read the title, sections and size of a Markdown lesson."""
    title = ""
    sections: list[Section] = []
    current: Section | None = None
    in_code = False
    for raw in markdown.splitlines():
        line = raw.rstrip()
        if line.lstrip().startswith("```"):
            in_code = not in_code
            continue
        if in_code or not line.strip():
            continue
        heading = HEADING.match(line)
        if heading:
            text = plain(heading.group(2))
            if len(heading.group(1)) == 1 and not title:
                title = text
            else:
                current = Section(text)
                sections.append(current)
            continue
        if current is None:
            current = Section(title or "Introduction")
            sections.append(current)
        item = LIST_ITEM.match(line)
        if item:
            current.points.append(_short(plain(item.group(1))))
        else:
            current.sentences += [_short(s) for s in _sentences(plain(line))]
    cjk = is_cjk(markdown)
    words = len(CJK.findall(markdown)) if cjk else len(markdown.split())
    sections = [_with_points(section) for section in sections] or [
        Section(title or "Lesson", [title or "Lesson"])
    ]
    return Lesson(title or sections[0].title, sections, words, cjk)


def _sentences(text: str) -> list[str]:
    return [part.strip() for part in SENTENCE_END.split(text) if part.strip()]


def _short(text: str) -> str:
    return text if len(text) <= MAX_POINT_CHARS else text[: MAX_POINT_CHARS - 1] + "…"


def _with_points(section: Section) -> Section:
    points = section.points or section.sentences[:3] or [section.title]
    return Section(section.title, points[:MAX_POINTS], section.sentences)
