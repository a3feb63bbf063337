"""Processors: the stages that are not model calls, and what they receive.

:data:`BUILTIN` maps the video pipeline's processing stages to simple built-in
processors; any mapping of stage to :data:`Processor` can replace or extend it.
"""

from stepgen_runtime.processors.base import Processor, Produced, StageContext
from stepgen_runtime.processors.builtin import BUILTIN

__all__ = ["BUILTIN", "Processor", "Produced", "StageContext"]
