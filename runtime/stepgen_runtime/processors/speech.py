"""TTS: the narration spoken by espeak-ng, one WAV per page and the joined track.

One voice speaks the whole narration: the Chinese one when the narration is mostly
Chinese, the English one otherwise. Each page's speech is followed by a pause, in
which MERGE changes the slide. The length of every page and of the track is measured
with ffprobe and kept in ``narration.json`` beside the track (the blob the artifact
names), which is where MERGE finds how long each slide stays on screen.
"""

from __future__ import annotations

import hashlib
import json
import wave
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from stepgen_runtime.errors import MediaError
from stepgen_runtime.lesson import is_cjk
from stepgen_runtime.processors.base import Processor, Produced, StageContext
from stepgen_runtime.processors.options import MediaOptions
from stepgen_runtime.processors.tools import ToolRunner

TRACK = "narration.wav"
MANIFEST = "narration.json"


def choose_voice(texts: Sequence[str], options: MediaOptions) -> tuple[str, str, int]:
    """The narration's language, and the espeak-ng voice and speed that speak it."""
    language = "zh" if is_cjk(" ".join(texts)) else "en"
    return language, options.voices[language], options.words_per_minute[language]


def make_tts(options: MediaOptions) -> Processor:
    """The TTS processor with these options."""

    def tts(context: StageContext) -> Produced:
        return speak(context, options)

    return tts


def speak(context: StageContext, options: MediaOptions) -> Produced:
    """Speak every narration page, join the pages, measure them and record the lot."""
    pages = context.inputs.values["narration"]["pages"]
    texts = [page["text"] for page in pages]
    language, voice, speed = choose_voice(texts, options)
    tools = ToolRunner.for_context(context)
    _check_voice(tools, options.espeak, voice)
    staged = context.blobs.staged(
        context.job_id, context.step.stage, context.inputs_hash
    )
    with staged as staging:
        entries: list[dict[str, Any]] = []
        start = 0.0
        for index, page in enumerate(pages, start=1):
            name = f"page-{index:03d}.wav"
            out = staging.work / name
            _synthesise(tools, options.espeak, (voice, speed), page["text"], out)
            _pad(out, options.pause_sec)
            length = tools.duration(options.ffprobe, out)
            entries.append(
                {
                    "page": page["page"],
                    "file": name,
                    "startSec": round(start, 6),
                    "durationSec": round(length, 6),
                }
            )
            start += length
        track = staging.work / TRACK
        _join([staging.work / entry["file"] for entry in entries], track)
        total = tools.duration(options.ffprobe, track)
        manifest = {
            "engine": "espeak-ng",
            "language": language,
            "voice": voice,
            "wordsPerMinute": speed,
            "pauseSec": options.pause_sec,
            "track": {
                "file": TRACK,
                "durationSec": round(total, 6),
                "sha256": hashlib.sha256(track.read_bytes()).hexdigest(),
            },
            "pages": entries,
        }
        text = json.dumps(manifest, ensure_ascii=False, indent=2) + "\n"
        (staging.work / MANIFEST).write_text(text, encoding="utf-8")
        url = context.blobs.url(staging.final / TRACK)
    content = {
        "format": "wav",
        "durationSec": round(total, 3),
        "sourceNarrationVersion": context.inputs.sources["NARRATION"].version,
    }
    return Produced(content, url)


def _check_voice(tools: ToolRunner, espeak: str, voice: str) -> None:
    # espeak-ng falls back to its default voice without a word; refuse instead.
    listed = tools.run([espeak, "--voices"], doing="list its voices")
    names: set[str] = set()
    for row in listed.splitlines()[1:]:
        fields = row.split()
        if len(fields) >= 5:
            names.update((fields[1], fields[3], fields[4], fields[4].split("/")[-1]))
    if voice.split("+")[0] not in names:
        raise MediaError("espeak-ng", f"espeak-ng has no voice {voice!r}")


def _synthesise(
    tools: ToolRunner, espeak: str, voice: tuple[str, int], text: str, out: Path
) -> None:
    name, speed = voice
    tools.run(
        [espeak, "-v", name, "-s", str(speed), "-b", "1", "-w", out, "--stdin"],
        doing=f"speak {out.stem}",
        stdin=text,
    )


def _pad(path: Path, seconds: float) -> None:
    with wave.open(str(path), "rb") as source:
        params = source.getparams()
        frames = source.readframes(params.nframes)
    width = params.sampwidth * params.nchannels
    with wave.open(str(path), "wb") as target:
        target.setparams(params)
        target.writeframes(frames + bytes(round(seconds * params.framerate) * width))


def _join(parts: Sequence[Path], track: Path) -> None:
    with wave.open(str(track), "wb") as target:
        for index, part in enumerate(parts):
            with wave.open(str(part), "rb") as source:
                params = source.getparams()
                if index == 0:
                    target.setparams(params)
                elif params[:3] != target.getparams()[:3]:
                    raise MediaError(
                        "espeak-ng", f"{part.name} differs in format from the others"
                    )
                target.writeframes(source.readframes(params.nframes))
