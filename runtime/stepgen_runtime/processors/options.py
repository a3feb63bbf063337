"""The settings of the media stages: voices, fonts, encoder and the tools' names.

The defaults give the offline setup `make media-tools` installs: espeak-ng voices,
the Noto Sans CJK font (it holds Latin and Chinese letters alike), and H.264 with AAC
through ffmpeg. Everything is fixed, so a lesson gives the same media every time.
"""

from __future__ import annotations

from dataclasses import dataclass, field


def _default_voices() -> dict[str, str]:
    return {"en": "en-us", "zh": "cmn"}


def _default_speeds() -> dict[str, int]:
    # espeak-ng counts a Chinese character as a word; 210 gives about 3.5 a second.
    return {"en": 160, "zh": 210}


@dataclass(frozen=True)
class MediaOptions:
    """How TTS speaks, RENDER draws and MERGE encodes."""

    voices: dict[str, str] = field(default_factory=_default_voices)
    """espeak-ng voice by language: ``zh`` for Chinese narration, ``en`` otherwise."""
    words_per_minute: dict[str, int] = field(default_factory=_default_speeds)
    """espeak-ng speed by language, in words per minute."""
    pause_sec: float = 0.6
    """Silence after each page's speech; the slide changes within it."""
    font_family: str = "Noto Sans CJK SC"
    fps: int = 10
    video_codec: str = "libx264"
    video_preset: str = "ultrafast"
    crf: int = 20
    audio_codec: str = "aac"
    audio_bitrate: str = "128k"
    audio_rate: int = 48000
    unspoken_slide_sec: float = 3.0
    """How long a slide without a narration page stays on screen (in silence)."""
    espeak: str = "espeak-ng"
    ffmpeg: str = "ffmpeg"
    ffprobe: str = "ffprobe"
    fc_match: str = "fc-match"
