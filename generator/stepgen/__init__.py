"""stepgen: one manifest describes every stage of a pipeline; code is generated from it.

The generator half lives here: :mod:`stepgen.manifest` loads and validates a manifest
into the intermediate model of :mod:`stepgen.ir`, the emitters in :mod:`stepgen.emit`
render files from that model, and :mod:`stepgen.writer` and :mod:`stepgen.drift` write
and check the output tree. :mod:`stepgen.cli` is the command line.
"""

__version__ = "0.1.0"
