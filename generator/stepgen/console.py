"""The ``stepgen`` console script, kept apart so that it starts before click loads.

``stepgen generate`` forks the model generator's worker first thing: importing that
generator takes longer than everything the parent does before it needs the models,
so every millisecond the worker starts earlier is one the whole command saves.
"""

from __future__ import annotations

import sys


def main() -> None:
    """Run the ``stepgen`` command named on the command line."""
    if sys.argv[1:2] == ["generate"]:
        from stepgen.emit.model_worker import ModelWorker

        ModelWorker.prestart()
    from stepgen.cli import run

    run()
