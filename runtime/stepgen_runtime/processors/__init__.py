"""Processors: the stages that are not model calls, and what they receive.

:data:`BUILTIN` maps the video pipeline's processing stages to the built-in
processors, which make real media offline (espeak-ng speech, Pillow slides, an
ffmpeg MP4); :func:`media_processors` makes them with other :class:`MediaOptions`.
:data:`STANDIN` holds quick stand-ins that need no media tool. Any mapping of stage
to :data:`Processor` can replace or extend these.
"""

from stepgen_runtime.processors.base import Processor, Produced, StageContext
from stepgen_runtime.processors.builtin import BUILTIN, media_processors
from stepgen_runtime.processors.options import MediaOptions
from stepgen_runtime.processors.standin import STANDIN

__all__ = [
    "BUILTIN",
    "STANDIN",
    "MediaOptions",
    "Processor",
    "Produced",
    "StageContext",
    "media_processors",
]
