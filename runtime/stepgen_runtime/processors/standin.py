"""Stand-in processors for TTS, RENDER and MERGE, made with the standard library only.

They keep the shape of the real media (a WAV tone track as long as the narration
takes to say, flat PNG slides with bars where the words go, and a timeline of both
instead of an MP4, so ``videoUrl`` is null) at a fraction of the time, and need no
media tool. Tests of the executor and the pipeline run on them; :data:`STANDIN` maps
the stages to them, with the real DONE.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

from stepgen_runtime.errors import JobError
from stepgen_runtime.lesson import is_cjk
from stepgen_runtime.processors.base import Processor, Produced, StageContext
from stepgen_runtime.processors.builtin import done
from stepgen_runtime.processors.media import (
    HEIGHT,
    WIDTH,
    speaking_seconds,
    write_slide,
    write_tone_track,
)


def tts(context: StageContext) -> Produced:
    """Write one tone per narration page, as long as the page takes to say."""
    narration = context.inputs.values["narration"]
    texts = [page["text"] for page in narration["pages"]]
    cjk = is_cjk(" ".join(texts))
    folder = context.blobs.folder(
        context.job_id, context.step.stage, context.inputs_hash
    )
    path = folder / "narration.wav"
    length = write_tone_track(path, [speaking_seconds(text, cjk) for text in texts])
    content = {
        "format": "wav",
        "durationSec": round(length, 3),
        "sourceNarrationVersion": context.inputs.sources["NARRATION"].version,
    }
    return Produced(content, context.blobs.url(path))


def render(context: StageContext) -> Produced:
    """Write one 1280×720 PNG per slide in the theme's colours."""
    pages = context.inputs.values["pages"]
    folder = context.blobs.folder(
        context.job_id, context.step.stage, context.inputs_hash
    )
    images = []
    for number, slide in enumerate(pages["slides"], start=1):
        path = folder / f"slide-{number:03d}.png"
        write_slide(path, pages["theme"], slide["title"], slide["bullets"])
        images.append(
            {"page": number, "imagePath": str(path), "blobUrl": context.blobs.url(path)}
        )
    content = {
        "format": "png",
        "totalPages": len(images),
        "sourcePagesVersion": context.inputs.sources["PAGES"].version,
        "renderedImages": images,
    }
    return Produced(content, context.blobs.url(folder))


def merge(context: StageContext) -> Produced:
    """Lay the rendered slides over the TTS audio in a timeline file.

    The audio and every image are read from the blobs of the artifacts used; nothing
    is substituted when one is missing. The timeline records the audio's digest, so
    it shows which audio was used. No MP4 is encoded here, so ``videoUrl`` is null.
    """
    render_source = context.inputs.sources["RENDER"]
    tts_source = context.inputs.sources["TTS"]
    audio = _read_blob(context, tts_source.blob_url, "the TTS audio")
    images = context.inputs.values["render"]["renderedImages"]
    for image in images:
        _read_blob(context, image["blobUrl"], f"the image of page {image['page']}")
    duration = float(context.inputs.values["tts"]["durationSec"])
    share = duration / max(1, len(images))
    timeline = {
        "resolution": {"width": WIDTH, "height": HEIGHT},
        "audio": {
            "blobUrl": tts_source.blob_url,
            "sha256": hashlib.sha256(audio).hexdigest(),
            "durationSec": duration,
            "version": tts_source.version,
        },
        "slides": [
            {
                "page": image["page"],
                "blobUrl": image["blobUrl"],
                "startSec": round(index * share, 3),
                "endSec": round((index + 1) * share, 3),
            }
            for index, image in enumerate(images)
        ],
        "renderVersion": render_source.version,
    }
    folder = context.blobs.folder(
        context.job_id, context.step.stage, context.inputs_hash
    )
    path = folder / "timeline.json"
    path.write_text(json.dumps(timeline, indent=2) + "\n", encoding="utf-8")
    content = {
        "format": "mp4",
        "durationSec": duration,
        "resolution": {"width": WIDTH, "height": HEIGHT},
        "sourceRenderVersion": render_source.version,
        "sourceTtsVersion": tts_source.version,
        "videoUrl": None,
    }
    return Produced(content, context.blobs.url(path))


def _read_blob(context: StageContext, url: str | None, what: str) -> bytes:
    if not url:
        raise JobError(f"{what} has no blob reference")
    path = context.blobs.path(url)
    try:
        return path.read_bytes()
    except OSError as error:
        raise JobError(f"cannot read {what} at {url}: {error.strerror}") from None


STANDIN: Mapping[str, Processor] = {
    "TTS": tts,
    "RENDER": render,
    "MERGE": merge,
    "DONE": done,
}
