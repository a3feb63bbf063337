"""MERGE: the slides and the narration encoded by ffmpeg into one H.264 and AAC MP4.

Slide k stays on screen while narration page k is spoken, for the length TTS measured
and recorded in ``narration.json`` beside its track. When the counts differ, the
last slide stays for the pages left over, and a slide without a page is shown in
silence for :attr:`MediaOptions.unspoken_slide_sec`; without the manifest the slides
share the track's length equally. The MP4 (1280×720, yuv420p) and a ``timeline.json``
of what was shown when are written out of sight and moved into the blob store only
when ffmpeg succeeded and ffprobe finds one such video and one audio stream.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from stepgen_runtime.errors import JobError, MediaError
from stepgen_runtime.processors.base import Processor, Produced, StageContext
from stepgen_runtime.processors.layout import HEIGHT, WIDTH
from stepgen_runtime.processors.options import MediaOptions
from stepgen_runtime.processors.speech import MANIFEST
from stepgen_runtime.processors.tools import ToolRunner

VIDEO = "lesson.mp4"
TIMELINE = "timeline.json"
FIT = (
    f"scale={WIDTH}:{HEIGHT}:force_original_aspect_ratio=decrease,"
    f"pad={WIDTH}:{HEIGHT}:(ow-iw)/2:(oh-ih)/2,setsar=1,format=yuv420p"
)


@dataclass(frozen=True)
class Shot:
    """One slide on screen: its page, image, start and length in seconds."""

    page: int
    image: Path
    start: float
    length: float


def plan_shots(
    images: list[tuple[int, Path]], spoken: list[float], unspoken_sec: float
) -> list[Shot]:
    """Pair slides with narration pages in order and time each slide by its page."""
    shots: list[Shot] = []
    start = 0.0
    for index, (page, image) in enumerate(images):
        if index >= len(spoken):
            length = unspoken_sec
        elif index == len(images) - 1:
            length = sum(spoken[index:])
        else:
            length = spoken[index]
        shots.append(Shot(page, image, start, length))
        start += length
    return shots


def make_merge(options: MediaOptions) -> Processor:
    """The MERGE processor with these options."""

    def merge(context: StageContext) -> Produced:
        return encode(context, options)

    return merge


def encode(context: StageContext, options: MediaOptions) -> Produced:
    """Encode the rendered slides over the TTS track into the lesson's MP4."""
    render, tts = context.inputs.sources["RENDER"], context.inputs.sources["TTS"]
    track = _blob_file(context, tts.blob_url, None, "the TTS audio")
    audio = track.read_bytes()
    images = _slide_images(context)
    if not images:
        raise JobError(f"RENDER version {render.version} holds no slide images")
    spoken = _spoken(track, audio, float(tts.content["durationSec"]), len(images))
    shots = plan_shots(images, spoken, options.unspoken_slide_sec)
    total = shots[-1].start + shots[-1].length
    tools = ToolRunner.for_context(context)
    staged = context.blobs.staged(
        context.job_id, context.step.stage, context.inputs_hash
    )
    with staged as staging:
        playlist = staging.work / "slides.ffconcat"
        playlist.write_text(_playlist(shots), encoding="utf-8")
        video = staging.work / VIDEO
        tools.run(
            _ffmpeg_command(options, playlist, track, total, video), doing="encode"
        )
        playlist.unlink()
        duration = _check(tools.probe(options.ffprobe, video), video)
        url = context.blobs.url(staging.final / VIDEO)
        timeline = {
            "video": {"blobUrl": url, "durationSec": duration, "fps": options.fps},
            "audio": {
                "blobUrl": tts.blob_url,
                "sha256": hashlib.sha256(audio).hexdigest(),
                "version": tts.version,
            },
            "slides": [_shot_record(context, shot) for shot in shots],
            "renderVersion": render.version,
        }
        text = json.dumps(timeline, indent=2) + "\n"
        (staging.work / TIMELINE).write_text(text, encoding="utf-8")
    content = {
        "format": "mp4",
        "durationSec": round(duration, 3),
        "resolution": {"width": WIDTH, "height": HEIGHT},
        "sourceRenderVersion": render.version,
        "sourceTtsVersion": tts.version,
        "videoUrl": url,
    }
    return Produced(content, url)


def _ffmpeg_command(
    options: MediaOptions, playlist: Path, track: Path, total: float, out: Path
) -> list[str | Path]:
    video = ["-c:v", options.video_codec, "-preset", options.video_preset]
    video += ["-tune", "stillimage", "-crf", str(options.crf), "-pix_fmt", "yuv420p"]
    audio = ["-af", "apad", "-c:a", options.audio_codec, "-b:a", options.audio_bitrate]
    audio += ["-ar", str(options.audio_rate)]
    return [
        options.ffmpeg,
        *("-nostdin", "-hide_banner", "-v", "error", "-y"),
        *("-f", "concat", "-safe", "0", "-i", playlist, "-i", track),
        *("-map", "0:v:0", "-map", "1:a:0", "-vf", f"{FIT},fps={options.fps}"),
        *video,
        *audio,
        *("-t", f"{total:.3f}", "-movflags", "+faststart", out),
    ]


def _playlist(shots: list[Shot]) -> str:
    lines = ["ffconcat version 1.0"]
    for shot in shots:
        lines += [f"file {_quoted(shot.image)}", f"duration {shot.length:.6f}"]
    # The concat demuxer honours the last duration only when a file follows it.
    lines.append(f"file {_quoted(shots[-1].image)}")
    return "\n".join(lines) + "\n"


def _quoted(path: Path) -> str:
    return "'" + str(path.resolve()).replace("'", "'\\''") + "'"


def _check(probed: dict[str, Any], video: Path) -> float:
    streams = probed.get("streams", [])
    kinds = sorted(stream.get("codec_type", "") for stream in streams)
    sizes = [(s.get("width"), s.get("height")) for s in streams if s.get("width")]
    if kinds != ["audio", "video"] or sizes != [(WIDTH, HEIGHT)]:
        raise MediaError(
            "ffprobe",
            f"{video.name} should hold one {WIDTH}×{HEIGHT} video stream and one "
            f"audio stream, but holds {kinds} at {sizes}",
        )
    return float(probed["format"]["duration"])


def _spoken(track: Path, audio: bytes, length: float, slides: int) -> list[float]:
    manifest = track.with_name(MANIFEST)
    if not manifest.is_file():
        return [length / slides] * slides
    recorded = json.loads(manifest.read_text(encoding="utf-8"))
    if recorded["track"]["sha256"] != hashlib.sha256(audio).hexdigest():
        raise JobError(f"{manifest} does not describe the audio beside it")
    return [float(page["durationSec"]) for page in recorded["pages"]]


def _shot_record(context: StageContext, shot: Shot) -> dict[str, Any]:
    return {
        "page": shot.page,
        "blobUrl": context.blobs.url(shot.image),
        "startSec": round(shot.start, 3),
        "endSec": round(shot.start + shot.length, 3),
    }


def _slide_images(context: StageContext) -> list[tuple[int, Path]]:
    found = []
    for item in context.inputs.values["render"]["renderedImages"]:
        what = f"the image of page {item['page']}"
        path = _blob_file(context, item["blobUrl"], item["imagePath"], what)
        found.append((item["page"], path))
    return found


def _blob_file(
    context: StageContext, url: str | None, path: str | None, what: str
) -> Path:
    if url:
        found = context.blobs.path(url)
    elif path:
        found = Path(path)
    else:
        raise JobError(f"{what} has no blob reference")
    if not found.is_file():
        raise JobError(f"cannot read {what} at {url or path}: no such file")
    return found
