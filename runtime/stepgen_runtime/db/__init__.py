"""The existing service's database: its tables, and stores that read and write them.

:mod:`~stepgen_runtime.db.tables` describes the tables; :func:`open_database` opens
PostgreSQL as it is or the embedded SQLite default; :class:`JobStore` and
:class:`PromptStore` hold every query the runtime makes.
"""

from stepgen_runtime.db.engine import Database, default_url, open_database
from stepgen_runtime.db.jobs import JobStore, Recorded
from stepgen_runtime.db.prompts import PromptStore
from stepgen_runtime.db.rows import Approval, Artifact, Job, StoredConfig

__all__ = [
    "Approval",
    "Artifact",
    "Database",
    "Job",
    "JobStore",
    "PromptStore",
    "Recorded",
    "StoredConfig",
    "default_url",
    "open_database",
]
