"""Loading a manifest: JSON text → checked data → the intermediate model.

:func:`load_pipeline` is the one entry point; it raises
:class:`~stepgen.errors.ManifestInvalid` with every problem found.
"""

from stepgen.manifest.load import load_pipeline

__all__ = ["load_pipeline"]
