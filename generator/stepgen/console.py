"""The ``stepgen`` console script, kept apart so that it starts before click loads.

``stepgen generate`` forks the model generator's worker first thing: importing that
generator takes longer than everything the parent does before it needs the models,
so every millisecond the worker starts earlier is one the whole command saves.
"""

from __future__ import annotations

import gc
import sys

# The generator's commands: short processes that end as soon as their output is out.
QUICK_COMMANDS = frozenset({"validate", "generate", "check", "graph"})
# Nearly everything such a command allocates (modules, the manifest's tree, the
# files it renders) lives to its end, so the collector's passes over young objects
# find little to free; it makes one every this many allocations instead of 700.
_YOUNG_OBJECTS = 100_000


def main() -> None:
    """Run the ``stepgen`` command named on the command line."""
    command = sys.argv[1] if len(sys.argv) > 1 else None
    if command in QUICK_COMMANDS:
        gc.set_threshold(_YOUNG_OBJECTS)
    if command == "generate":
        from stepgen.emit.model_worker import ModelWorker

        ModelWorker.prestart()
    from stepgen.cli import run

    run()
