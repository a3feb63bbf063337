"""The media stages with the real tools: espeak-ng speech, Pillow slides, ffmpeg's MP4.

The sample lessons run once each through ``stepgen run``; ffprobe and frames taken
from the video check the result. A frame is compared with its slide's PNG by PSNR:
the H.264 encoding of a flat slide (CRF 20, 4:2:0 chroma) keeps about 50 dB, while a
frame of another slide scores below 20 dB (mostly the same background, other words),
so 35 dB sits far from both.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageChops, ImageStat
from stepgen_runtime.app import Runtime, open_runtime
from stepgen_runtime.db.rows import Artifact
from stepgen_runtime.pipeline import RunReport
from stepgen_runtime.processors import MediaOptions, media_processors

from tests.conftest import invoke
from tests.runtime.conftest import LESSONS, Sleeps

OpenRuntime = Callable[..., Runtime]
MATCHING_PSNR_DB = 35.0
SHORT_LESSON = """# Halves

## One half

- Cut a whole into two equal parts.
- Each part is one half.
"""


@dataclass
class Made:
    """One sample lesson run through ``stepgen run`` to the end."""

    lesson: str
    stdout: str
    blobs: Path
    job: str
    artifacts: dict[str, Artifact]
    narration: dict[str, Any]
    video: Path


def blob(url: str | None) -> Path:
    assert url and url.startswith("file://"), url
    return Path(url.removeprefix("file://"))


def probe(path: Path) -> dict[str, Any]:
    shown = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-show_format",
            "-show_streams",
            "-of",
            "json",
            path,
        ],
        capture_output=True,
        check=True,
        text=True,
    )
    found: dict[str, Any] = json.loads(shown.stdout)
    return found


def frame_at(video: Path, seconds: float) -> Image.Image:
    taken = subprocess.run(
        [
            *("ffmpeg", "-v", "error", "-ss", f"{seconds:.3f}", "-i", video),
            *("-frames:v", "1", "-f", "image2pipe", "-c:v", "png", "-"),
        ],
        capture_output=True,
        check=True,
    )
    return Image.open(BytesIO(taken.stdout)).convert("RGB")


def psnr(first: Image.Image, second: Image.Image) -> float:
    difference = ImageChops.difference(first.convert("RGB"), second.convert("RGB"))
    squares = sum(ImageStat.Stat(difference).sum2)
    mse = squares / (3 * first.width * first.height)
    return math.inf if mse == 0 else 10 * math.log10(255**2 / mse)


@pytest.fixture(scope="module", params=["fractions.md", "zh-fractions.md"])
def made(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Made:
    """A sample lesson made into a video once for the module."""
    folder = tmp_path_factory.mktemp("media")
    db_url = f"sqlite:///{(folder / 'stepgen.db').as_posix()}"
    blobs = folder / "blobs"
    lesson = str(request.param)
    result = invoke(
        "run",
        str(LESSONS / lesson),
        "--auto-approve",
        "--db",
        db_url,
        "--blobs",
        str(blobs),
    )
    assert result.exit_code == 0, result.stderr
    match = re.search(r"^job ([0-9a-f-]{36}) for ", result.stdout, re.MULTILINE)
    assert match, result.stdout
    job = match.group(1)
    with open_runtime(db_url) as runtime:
        artifacts = {item.stage: item for item in runtime.jobs.latest_artifacts(job)}
    track = blob(artifacts["TTS"].blob_url)
    narration = json.loads(track.with_name("narration.json").read_text("utf-8"))
    video = blob(artifacts["MERGE"].blob_url)
    return Made(lesson, result.stdout, blobs, job, artifacts, narration, video)


def test_the_run_ends_with_the_path_of_the_mp4(made: Made) -> None:
    last = made.stdout.rstrip("\n").splitlines()[-1]

    assert last == f"video: {made.video}"
    assert made.video.is_file() and made.video.suffix == ".mp4"
    assert made.video.is_relative_to(made.blobs / made.job / "merge")
    assert made.artifacts["MERGE"].content["videoUrl"] == made.video.as_uri()


def test_the_mp4_holds_one_hd_video_and_one_audio_stream_as_long_as_the_narration(
    made: Made,
) -> None:
    found = probe(made.video)
    narrated = sum(page["durationSec"] for page in made.narration["pages"])

    kinds = sorted(stream["codec_type"] for stream in found["streams"])
    assert kinds == ["audio", "video"]
    (video,) = [s for s in found["streams"] if s["codec_type"] == "video"]
    (audio,) = [s for s in found["streams"] if s["codec_type"] == "audio"]
    assert (video["codec_name"], video["pix_fmt"]) == ("h264", "yuv420p")
    assert (video["width"], video["height"]) == (1280, 720)
    assert audio["codec_name"] == "aac"
    duration = float(found["format"]["duration"])
    assert abs(duration - narrated) < 0.5
    assert made.artifacts["MERGE"].content["durationSec"] == pytest.approx(
        duration, abs=0.001
    )
    assert made.artifacts["TTS"].content["durationSec"] == pytest.approx(
        narrated, abs=0.01
    )


def test_each_slide_is_on_screen_while_its_page_is_spoken(made: Made) -> None:
    slides = [
        Image.open(blob(item["blobUrl"])).convert("RGB")
        for item in made.artifacts["RENDER"].content["renderedImages"]
    ]
    pages = made.narration["pages"]
    assert len(pages) == len(slides)

    for index, page in enumerate(pages):
        frame = frame_at(made.video, page["startSec"] + page["durationSec"] / 2)
        scores = [psnr(frame, slide) for slide in slides]
        assert scores[index] > MATCHING_PSNR_DB, (index, scores)
        assert max(scores) == scores[index], (index, scores)


def test_the_artifacts_record_their_sources_and_media(made: Made) -> None:
    tts, render, merge = (made.artifacts[s] for s in ("TTS", "RENDER", "MERGE"))
    versions = {stage: item.version for stage, item in made.artifacts.items()}

    assert tts.content["format"] == "wav"
    assert tts.content["sourceNarrationVersion"] == versions["NARRATION"]
    track = probe(blob(tts.blob_url))
    assert tts.content["durationSec"] == pytest.approx(
        float(track["format"]["duration"]), abs=0.001
    )
    slides = made.artifacts["PAGES"].content["slides"]
    assert render.content["totalPages"] == len(slides)
    assert render.content["sourcePagesVersion"] == versions["PAGES"]
    images = render.content["renderedImages"]
    assert [image["page"] for image in images] == list(range(1, len(slides) + 1))
    for image in images:
        assert Path(image["imagePath"]) == blob(image["blobUrl"])
        with Image.open(image["imagePath"]) as png:
            assert (png.format, png.size) == ("PNG", (1280, 720))
    assert merge.content["resolution"] == {"width": 1280, "height": 720}
    assert (
        merge.content["sourceRenderVersion"],
        merge.content["sourceTtsVersion"],
    ) == (
        versions["RENDER"],
        versions["TTS"],
    )
    assert merge.meta is not None
    assert merge.meta["sourceVersions"] == {
        "RENDER": render.version,
        "TTS": tts.version,
    }


def test_the_voice_follows_the_language_and_every_page_is_measured(made: Made) -> None:
    chinese = made.lesson.startswith("zh-")
    folder = blob(made.artifacts["TTS"].blob_url).parent

    assert (made.narration["language"], made.narration["voice"]) == (
        ("zh", "cmn") if chinese else ("en", "en-us")
    )
    start = 0.0
    for page in made.narration["pages"]:
        measured = float(probe(folder / page["file"])["format"]["duration"])
        assert page["durationSec"] == pytest.approx(measured, abs=1e-5)
        assert page["startSec"] == pytest.approx(start, abs=1e-5)
        start += measured


def short_run(
    open_rt: OpenRuntime, options: MediaOptions, until: str | None = None
) -> tuple[Runtime, str, RunReport]:
    runtime: Runtime = open_rt(processors=media_processors(options))
    job = runtime.pipeline.start(SHORT_LESSON)
    report = runtime.pipeline.advance(job.id, auto_approve=True, until=until)
    return runtime, job.id, report


def files_under(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*")) if folder.exists() else []


def test_a_failing_ffmpeg_fails_the_job_with_its_message_and_leaves_nothing(
    open_rt: OpenRuntime, tmp_path: Path, sleeps: Sleeps
) -> None:
    broken = MediaOptions(video_codec="no-such-encoder")

    runtime, job, report = short_run(open_rt, broken)

    assert (report.reason, report.stage, report.job_status) == (
        "failed",
        "MERGE",
        "FAILED",
    )
    error = runtime.jobs.get_job(job).error or ""
    assert "stage MERGE failed after 1 attempt: ffmpeg failed to encode" in error
    assert "Unknown encoder 'no-such-encoder'" in error
    assert [a.stage for a in runtime.jobs.artifacts(job) if a.stage == "MERGE"] == []
    merge_folder = tmp_path / "blobs" / job / "merge"
    assert [p for p in files_under(merge_folder) if p.is_file()] == []
    assert [p.name for p in files_under(merge_folder) if p.name.startswith(".")] == []
    assert sleeps == []

    healed = open_rt(processors=media_processors(MediaOptions()))
    again = healed.pipeline.advance(job, auto_approve=True)
    assert (again.reason, again.job_status) == ("completed", "COMPLETED")
    outcomes = {event.stage: event.outcome for event in again.events}
    assert (outcomes["TTS"], outcomes["RENDER"], outcomes["MERGE"]) == (
        "reused",
        "reused",
        "created",
    )


def test_a_voice_espeak_lacks_fails_tts_and_leaves_no_audio(
    open_rt: OpenRuntime, tmp_path: Path
) -> None:
    voices = {"en": "no-such-voice", "zh": "cmn"}

    runtime, job, report = short_run(open_rt, MediaOptions(voices=voices))

    assert (report.reason, report.stage) == ("failed", "TTS")
    assert "espeak-ng has no voice 'no-such-voice'" in (report.error or "")
    assert runtime.jobs.latest_artifact(job, "TTS", "AUDIO") is None
    assert files_under(tmp_path / "blobs" / job / "tts") == []


def test_a_missing_tool_is_named_with_the_way_to_install_it(
    open_rt: OpenRuntime,
) -> None:
    missing = MediaOptions(ffprobe="stepgen-test-no-such-ffprobe")

    _, _, report = short_run(open_rt, missing)

    assert report.stage == "TTS"
    assert "stepgen-test-no-such-ffprobe is not installed" in (report.error or "")
    assert "make media-tools" in (report.error or "")


def test_the_same_lesson_gives_the_same_speech_and_slides(open_rt: OpenRuntime) -> None:
    first, first_job, _ = short_run(open_rt, MediaOptions(), until="RENDER")
    second, second_job, _ = short_run(open_rt, MediaOptions(), until="RENDER")

    def media(runtime: Runtime, job: str) -> list[bytes]:
        tts = runtime.jobs.latest_artifact(job, "TTS", "AUDIO")
        render = runtime.jobs.latest_artifact(job, "RENDER", "IMAGE")
        assert tts is not None and render is not None
        images = [blob(i["blobUrl"]) for i in render.content["renderedImages"]]
        return [path.read_bytes() for path in [blob(tts.blob_url), *images]]

    assert media(first, first_job) == media(second, second_job)
