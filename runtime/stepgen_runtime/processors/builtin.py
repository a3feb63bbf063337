"""The built-in processors of the video pipeline: real media made offline, and DONE.

TTS speaks the narration with espeak-ng, RENDER draws the slides with Pillow, MERGE
encodes them with ffmpeg into an MP4 (see :mod:`~stepgen_runtime.processors.speech`,
:mod:`~stepgen_runtime.processors.slides` and :mod:`~stepgen_runtime.processors.video`),
and DONE sums up the job. :func:`media_processors` builds the same set with other
:class:`MediaOptions`; :data:`BUILTIN` is the set with the defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from stepgen_runtime.processors.base import Processor, Produced, StageContext
from stepgen_runtime.processors.options import MediaOptions
from stepgen_runtime.processors.slides import make_render
from stepgen_runtime.processors.speech import make_tts
from stepgen_runtime.processors.video import make_merge


def media_processors(options: MediaOptions | None = None) -> dict[str, Processor]:
    """TTS, RENDER, MERGE and DONE, the media stages made with ``options``."""
    chosen = options or MediaOptions()
    return {
        "TTS": make_tts(chosen),
        "RENDER": make_render(chosen),
        "MERGE": make_merge(chosen),
        "DONE": done,
    }


def done(context: StageContext) -> Produced:
    """Summarise the latest artifact of every earlier stage of the job."""
    order = context.registry.stages()
    latest: dict[tuple[str, str], int] = {}
    for item in context.job_artifacts():
        if item.stage != context.step.stage and item.stage in order:
            key = (item.stage, item.type)
            latest[key] = max(latest.get(key, 0), item.version)
    keys = sorted(latest, key=lambda key: (order.index(key[0]), key[1]))
    artifacts = [{"stage": s, "type": t, "version": latest[(s, t)]} for s, t in keys]
    completed = len({stage for stage, _ in latest}) + 1
    moment = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    content = {
        "status": "completed",
        "completedAt": moment,
        "jobId": context.inputs.values["jobId"],
        "summary": {
            "totalStages": len(order),
            "completedStages": min(completed, len(order)),
            "artifacts": artifacts,
        },
    }
    return Produced(content)


BUILTIN: Mapping[str, Processor] = media_processors()
