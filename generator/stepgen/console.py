"""The ``stepgen`` console script, kept apart so that it starts before click loads.

``stepgen generate`` into an output root without a record of an earlier generation
forks the model generator's worker first thing: importing that generator takes
longer than everything the parent does before it needs the models, so every
millisecond the worker starts earlier is one the whole command saves. Where a record
is found, the generation reuses what it can and rarely needs the worker; forking it
anyway would cost such a run more than the worker's head start is worth.
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
    if command == "generate" and not _recorded(sys.argv[2:]):
        from stepgen.emit.model_worker import ModelWorker

        ModelWorker.prestart()
    from stepgen.cli import run

    run()


def _recorded(arguments: list[str]) -> bool:
    """Whether the output root named by ``arguments`` holds a generation's record.

    A guess made before click parses the command line: whatever it cannot tell counts
    as no record, and the generation itself still decides how the models are made.
    """
    from stepgen.record import RECORD_NAME
    from stepgen.settings import output_root

    try:
        return (output_root(_flag(arguments, "--out")) / RECORD_NAME).is_file()
    except Exception:  # the command reports whatever is wrong with its settings
        return False


def _flag(arguments: list[str], name: str) -> str | None:
    """The value given to the option ``name``, if any."""
    for index, argument in enumerate(arguments):
        if argument == name and index + 1 < len(arguments):
            return arguments[index + 1]
        if argument.startswith(f"{name}="):
            return argument[len(name) + 1 :]
    return None
