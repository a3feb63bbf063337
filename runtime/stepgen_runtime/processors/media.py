"""The stand-ins' media files: a WAV tone track and flat PNG slides.

They stand in for real speech and slide rendering, written with the standard library
only: the audio's length follows the narration's length, and each slide shows its
theme colours with bars where the title and bullets go.
"""

from __future__ import annotations

import math
import struct
import wave
import zlib
from functools import cache
from pathlib import Path

SAMPLE_RATE = 8000
PAUSE_S = 0.3
WIDTH, HEIGHT = 1280, 720
Colour = tuple[int, int, int]


def speaking_seconds(text: str, cjk: bool) -> float:
    """How long ``text`` takes to say at a calm pace (at least one second)."""
    size = sum(1 for char in text if not char.isspace()) if cjk else len(text.split())
    return max(1.0, size / (4.0 if cjk else 2.3))


def write_tone_track(path: Path, durations: list[float]) -> float:
    """Write an 8-bit mono WAV with a soft tone per segment; return its length in s."""
    frames = bytearray()
    for index, seconds in enumerate(durations):
        count = int(seconds * SAMPLE_RATE)
        second = _tone_second(220 + 40 * (index % 5))
        frames += (second * (count // SAMPLE_RATE + 1))[:count]
        frames += bytes([128]) * int(PAUSE_S * SAMPLE_RATE)
    with wave.open(str(path), "wb") as track:
        track.setnchannels(1)
        track.setsampwidth(1)
        track.setframerate(SAMPLE_RATE)
        track.writeframes(bytes(frames))
    return len(frames) / SAMPLE_RATE


@cache
def _tone_second(pitch: int) -> bytes:
    # A whole number of periods fits in one second, so seconds repeat seamlessly.
    return bytes(
        128 + int(24 * math.sin(2 * math.pi * pitch * n / SAMPLE_RATE))
        for n in range(SAMPLE_RATE)
    )


def hex_colour(value: str) -> Colour:
    """``#RRGGBB`` as an (r, g, b) tuple."""
    return (int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16))


def write_slide(
    path: Path, theme: dict[str, str], title: str, bullets: list[str]
) -> None:
    """Write a 1280×720 PNG: background, a title band, one bar per bullet."""
    background = hex_colour(theme["background"])
    primary = hex_colour(theme["primary"])
    text = hex_colour(theme["text"])
    bands: list[tuple[int, int, int, Colour]] = [(0, 140, WIDTH, primary)]
    bands.append((50, 90, 80 + min(1100, 24 * max(1, len(title))), background))
    for index, bullet in enumerate(bullets):
        top = 200 + index * 60
        bands.append((top, top + 24, 80 + min(1100, 14 * max(1, len(bullet))), text))
    drawn: dict[tuple[int, ...], bytes] = {}
    rows = bytearray()
    for y in range(HEIGHT):
        active = tuple(i for i, band in enumerate(bands) if band[0] <= y < band[1])
        if active not in drawn:
            row = bytearray(bytes(background) * WIDTH)
            for index in active:
                _, _, right, colour = bands[index]
                left = 0 if index == 0 else 80
                row[left * 3 : right * 3] = bytes(colour) * (right - left)
            drawn[active] = b"\x00" + bytes(row)
        rows += drawn[active]
    path.write_bytes(_png(bytes(rows)))


def _png(raw: bytes) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", WIDTH, HEIGHT, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 6))
        + chunk(b"IEND", b"")
    )
