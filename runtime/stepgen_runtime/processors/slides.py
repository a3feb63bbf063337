"""RENDER: one 1280×720 PNG per slide, drawn with Pillow in the theme's colours.

The font is found through fontconfig by family name (Noto Sans CJK SC by default,
whose letters cover Chinese and Latin text alike), so slides look the same whatever
language they hold; a missing font is an error, never a fallback that draws empty
boxes. :mod:`~stepgen_runtime.processors.layout` decides where the words go.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from stepgen_runtime.errors import MediaError
from stepgen_runtime.processors.base import Processor, Produced, StageContext
from stepgen_runtime.processors.layout import (
    HEIGHT,
    MARGIN,
    RULE_HEIGHT,
    RULE_WIDTH,
    WIDTH,
    SlideLayout,
    layout_slide,
)
from stepgen_runtime.processors.options import MediaOptions
from stepgen_runtime.processors.tools import ToolRunner

ACCENT_WIDTH = 14
FontFile = tuple[str, int]


class Fonts:
    """The regular and bold faces of one font family, at any size."""

    def __init__(self, family: str, fc_match: str = "fc-match") -> None:
        self.regular, self.bold = font_files(family, fc_match)

    def font(self, size: int, bold: bool) -> ImageFont.FreeTypeFont:
        """The face at ``size`` pixels."""
        return _load(self.bold if bold else self.regular, size)

    def measure(self, text: str, size: int, bold: bool) -> float:
        """The advance width of ``text`` in pixels."""
        return self.font(size, bold).getlength(text)


@functools.cache
def font_files(family: str, fc_match: str = "fc-match") -> tuple[FontFile, FontFile]:
    """The files (path, index in a collection) of the regular and bold ``family``."""
    runner = ToolRunner("RENDER")
    found: list[FontFile] = []
    for style in ("Regular", "Bold"):
        shown = runner.run(
            [
                fc_match,
                "-f",
                "%{file}\n%{index}\n%{family}\n",
                f"{family}:style={style}",
            ],
            doing=f"find the font {family!r}",
        )
        path, index, families = [*shown.splitlines(), "", "", ""][:3]
        if family not in families.split(","):
            raise MediaError(
                "fc-match",
                f"the font {family!r} is not installed (Debian package fonts-noto-cjk; "
                "`make media-tools` installs it)",
            )
        found.append((path, int(index or 0)))
    return found[0], found[1]


@functools.lru_cache(maxsize=128)
def _load(file: FontFile, size: int) -> ImageFont.FreeTypeFont:
    path, index = file
    return ImageFont.truetype(
        path, size, index=index, layout_engine=ImageFont.Layout.BASIC
    )


def draw_slide(
    layout: SlideLayout, theme: Mapping[str, str], fonts: Fonts
) -> Image.Image:
    """Draw a laid-out slide: background, accent bar, rule, markers and text."""
    image = Image.new("RGB", (WIDTH, HEIGHT), theme["background"])
    draw = ImageDraw.Draw(image)
    primary, text = theme["primary"], theme["text"]
    draw.rectangle((0, 0, ACCENT_WIDTH - 1, HEIGHT - 1), fill=primary)
    rule = (MARGIN, layout.rule_top, MARGIN + RULE_WIDTH - 1)
    draw.rectangle((*rule, layout.rule_top + RULE_HEIGHT - 1), fill=primary)
    for lines in layout.bullets:
        if lines:
            first = lines[0]
            radius = max(3, round(first.size * 0.16))
            centre = (MARGIN + radius, first.baseline - round(first.size * 0.36))
            draw.circle(centre, radius, fill=primary)
    for line in layout.lines:
        font = fonts.font(line.size, line.bold)
        draw.text((line.x, line.baseline), line.text, fill=text, font=font, anchor="ls")
    footer = layout.footer
    draw.text(
        (footer.x, footer.baseline),
        footer.text,
        fill=primary,
        font=fonts.font(footer.size, False),
        anchor="ls",
    )
    return image


def make_render(options: MediaOptions) -> Processor:
    """The RENDER processor with these options."""

    def render(context: StageContext) -> Produced:
        return render_slides(context, options)

    return render


def render_slides(context: StageContext, options: MediaOptions) -> Produced:
    """Lay out and draw every slide of the PAGES output as a PNG in the blob store."""
    pages = context.inputs.values["pages"]
    slides = pages["slides"]
    fonts = Fonts(options.font_family, options.fc_match)
    staged = context.blobs.staged(
        context.job_id, context.step.stage, context.inputs_hash
    )
    with staged as staging:
        images: list[dict[str, Any]] = []
        for number, slide in enumerate(slides, start=1):
            name = f"slide-{number:03d}.png"
            page = f"{number} / {len(slides)}"
            layout = layout_slide(slide["title"], slide["bullets"], page, fonts.measure)
            draw_slide(layout, pages["theme"], fonts).save(staging.work / name, "PNG")
            url = context.blobs.url(staging.final / name)
            path = str(context.blobs.path(url))
            images.append({"page": number, "imagePath": path, "blobUrl": url})
        folder_url = context.blobs.url(staging.final)
    content = {
        "format": "png",
        "totalPages": len(images),
        "sourcePagesVersion": context.inputs.sources["PAGES"].version,
        "renderedImages": images,
    }
    return Produced(content, folder_url)
