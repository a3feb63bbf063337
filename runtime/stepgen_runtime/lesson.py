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
    cjk = is_cjk(markdown)
    title = ""
    sections: list[Section] = []
    paragraph: list[str] = []
    in_code = False
    in_item = False

    def section() -> Section:
        if not sections:
            sections.append(Section("概述" if cjk else "Overview"))
        return sections[-1]

    def flush() -> None:
        if paragraph:
            text = ("" if cjk else " ").join(paragraph)
            section().sentences.extend(_short(s) for s in _sentences(plain(text)))
            paragraph.clear()

    for raw in markdown.splitlines():
        line = raw.rstrip()
        if line.lstrip().startswith("```"):
            in_code = not in_code
            continue
        heading = None if in_code else HEADING.match(line)
        item = None if in_code else LIST_ITEM.match(line)
        if in_code or not line.strip() or heading or item:
            flush()
            in_item = False
        if in_code or not line.strip():
            continue
        if heading:
            text = plain(heading.group(2))
            if len(heading.group(1)) == 1 and not title:
                title = text
            else:
                sections.append(Section(text))
        elif item:
            section().points.append(plain(item.group(1)))
            in_item = True
        elif in_item and raw[:1].isspace():
            points = section().points
            points[-1] = plain(points[-1] + " " + line.strip())
        else:
            paragraph.append(line.strip())
    flush()
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
    points = [_short(point) for point in points[:MAX_POINTS]]
    return Section(section.title, points, section.sentences)
