"""Slide layout, fonts, slide timing and staged blob folders, without encoding media."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont
from stepgen_runtime.blobs import BlobStore
from stepgen_runtime.errors import MediaError, MissingInput
from stepgen_runtime.processors.layout import (
    BULLETS_BOTTOM,
    HEIGHT,
    MARGIN,
    WIDTH,
    SlideLayout,
    layout_slide,
    wrap,
)
from stepgen_runtime.processors.slides import Fonts, draw_slide, font_files
from stepgen_runtime.processors.video import plan_shots

THEME = {"primary": "#1F6FEB", "background": "#FFFFFF", "text": "#1F2328"}
LONG_EN = (
    "When the parts of two fractions have different sizes, cut both wholes into a "
    "common number of equal parts first, then count the parts of each together"
)
LONG_ZH = "大小不同的份不能直接相加，所以要先把它们分成大小相同的份，再把分子相加，最后化简结果。"


@pytest.fixture(scope="module")
def fonts() -> Fonts:
    return Fonts("Noto Sans CJK SC")


def ink_boxes(layout: SlideLayout, fonts: Fonts) -> list[tuple[int, int, int, int]]:
    boxes = []
    for line in (*layout.lines, layout.footer):
        font = fonts.font(line.size, line.bold)
        left, top, right, bottom = font.getbbox(line.text, anchor="ls")
        boxes.append(
            (
                line.x + left,
                line.baseline + int(top),
                line.x + int(right),
                line.baseline + int(bottom),
            )
        )
    return boxes


def glyph(font: ImageFont.FreeTypeFont, char: str) -> bytes:
    image = Image.new("L", (72, 72))
    ImageDraw.Draw(image).text((8, 8), char, font=font, fill=255)
    return image.tobytes()


def overlaps(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_chinese_text_breaks_between_characters_but_not_before_closing_marks(
    fonts: Fonts,
) -> None:
    def measure(text: str) -> float:
        return fonts.measure(text, 40, False)

    for width in range(200, 1000, 37):
        lines = wrap(LONG_ZH, measure, width)
        assert "".join(lines) == LONG_ZH
        assert all(measure(line) <= width for line in lines)
        assert not any(line[0] in "，。、" for line in lines)
    assert len(wrap(LONG_ZH, measure, 400)) > 1


def test_english_text_breaks_at_spaces_and_long_words_inside_themselves(
    fonts: Fonts,
) -> None:
    def measure(text: str) -> float:
        return fonts.measure(text, 32, False)

    lines = wrap(LONG_EN, measure, 500)
    assert " ".join(lines) == LONG_EN
    assert all(measure(line) <= 500 for line in lines)
    word = "x" * 120
    broken = wrap(f"see {word} here", measure, 300)
    assert "".join(broken).replace(" ", "") == f"see{word}here"
    assert all(measure(line) <= 300 for line in broken)


@pytest.mark.parametrize(
    ("title", "bullets"),
    [
        ("Recap", ["Same denominators: add the tops."]),
        (LONG_EN, [LONG_EN] * 8),
        (LONG_ZH, [LONG_ZH * 2] * 8),
        ("分数 and fractions", ["3/4 是四分之三", "1/2 + 1/3 = 5/6", "A" * 300]),
    ],
    ids=["short", "long-english", "long-chinese", "mixed"],
)
def test_every_line_stays_on_the_slide_and_clear_of_the_others(
    fonts: Fonts, title: str, bullets: list[str]
) -> None:
    layout = layout_slide(title, bullets, "8 / 8", fonts.measure)

    boxes = ink_boxes(layout, fonts)
    for box in boxes:
        assert box[0] >= 0 and box[2] <= WIDTH - MARGIN + 1, box
        assert box[1] >= 0 and box[3] <= HEIGHT, box
    for first, second in itertools.combinations(boxes, 2):
        assert not overlaps(first, second), (first, second)
    bullet_boxes = boxes[len(layout.title) : -1]
    assert all(box[3] <= BULLETS_BOTTOM for box in bullet_boxes)
    assert len(layout.bullets) == len(bullets)
    for text, lines in zip(bullets, layout.bullets, strict=True):
        joined = "".join(line.text for line in lines).replace(" ", "")
        assert joined == text.replace(" ", "")


def test_more_text_makes_smaller_letters_and_too_much_is_refused(
    fonts: Fonts,
) -> None:
    short = layout_slide("Title", ["One point."], "1 / 1", fonts.measure)
    crowded = layout_slide("Title", [LONG_EN] * 8, "1 / 1", fonts.measure)

    assert short.bullets[0][0].size > crowded.bullets[0][0].size >= 8
    with pytest.raises(MissingInput, match="do not fit on it at any size"):
        layout_slide("Title", [LONG_EN * 12] * 8, "2 / 3", fonts.measure)


def test_chinese_letters_are_drawn_from_a_real_font(fonts: Fonts) -> None:
    regular, bold = font_files("Noto Sans CJK SC")
    assert regular[0].endswith(".ttc") and bold[0].endswith(".ttc")
    for bold_face in (False, True):
        font = fonts.font(48, bold_face)
        missing = glyph(font, "\U0010fffd")
        for char in sorted(set(LONG_ZH + "分数的加法概述小结")):
            assert glyph(font, char) != missing, char


def test_a_missing_font_is_an_error_not_empty_boxes() -> None:
    with pytest.raises(MediaError, match="'No Such Font Family' is not installed"):
        Fonts("No Such Font Family")


def test_slides_are_drawn_the_same_way_every_time(fonts: Fonts) -> None:
    layout = layout_slide("分数的加法", ["分母不变", LONG_EN], "1 / 2", fonts.measure)

    first = draw_slide(layout, THEME, fonts)
    second = draw_slide(layout, THEME, fonts)

    assert first.size == (WIDTH, HEIGHT)
    assert first.tobytes() == second.tobytes()
    line = layout.bullets[0][0]
    region = first.crop((line.x, line.baseline - line.size, WIDTH, line.baseline))
    assert (0x1F, 0x23, 0x28) in {colour for _, colour in region.getcolors(1 << 16)}


def test_slides_follow_narration_pages_in_order() -> None:
    images = [(page, Path(f"slide-{page}.png")) for page in (1, 2, 3)]

    same = plan_shots(images, [2.0, 3.0, 4.0], 5.0)
    fewer_slides = plan_shots(images[:2], [2.0, 3.0, 4.0], 5.0)
    more_slides = plan_shots(images, [2.0], 5.0)

    assert [(s.page, s.start, s.length) for s in same] == [
        (1, 0.0, 2.0),
        (2, 2.0, 3.0),
        (3, 5.0, 4.0),
    ]
    assert [(s.start, s.length) for s in fewer_slides] == [(0.0, 2.0), (2.0, 7.0)]
    assert [(s.start, s.length) for s in more_slides] == [
        (0.0, 2.0),
        (2.0, 5.0),
        (7.0, 5.0),
    ]


def test_a_staged_folder_appears_whole_or_not_at_all(tmp_path: Path) -> None:
    blobs = BlobStore(tmp_path)
    key = "ab" * 32

    with blobs.staged("job", "MERGE", key) as staging:
        (staging.work / "old.txt").write_text("old", encoding="utf-8")
        assert not staging.final.exists()
    assert sorted(p.name for p in staging.final.iterdir()) == ["old.txt"]

    with pytest.raises(RuntimeError), blobs.staged("job", "MERGE", key) as failed:
        (failed.work / "half.mp4").write_bytes(b"\x00" * 10)
        raise RuntimeError("encoder crashed")
    assert sorted(p.name for p in staging.final.iterdir()) == ["old.txt"]

    with blobs.staged("job", "MERGE", key) as again:
        (again.work / "new.txt").write_text("new", encoding="utf-8")
    assert sorted(p.name for p in again.final.iterdir()) == ["new.txt"]
    assert [p.name for p in again.final.parent.iterdir()] == [again.final.name]


def test_an_image_is_fully_opaque_rgb(fonts: Fonts, tmp_path: Path) -> None:
    layout = layout_slide("Title", ["Point"], "1 / 1", fonts.measure)
    path = tmp_path / "slide.png"
    draw_slide(layout, THEME, fonts).save(path, "PNG")

    with Image.open(path) as image:
        assert (image.format, image.mode, image.size) == ("PNG", "RGB", (1280, 720))
