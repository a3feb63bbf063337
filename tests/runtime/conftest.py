"""Fixtures of the runtime tests: real databases, runtimes, and scripted model clients.

``db_url`` runs a test twice, on SQLite (a file in ``tmp_path``) and on the PostgreSQL
server at 127.0.0.1:5432. PostgreSQL gets one fresh database per session, made with
``CREATE DATABASE`` and the Prisma-shaped DDL fixture, emptied before each test and
dropped at the end.
"""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from stepgen_runtime.app import Runtime, open_runtime
from stepgen_runtime.clients import ModelRequest, OfflineClient
from stepgen_runtime.errors import ModelError
from stepgen_runtime.processors import STANDIN

ROOT = Path(__file__).resolve().parents[2]
LESSONS = ROOT / "samples" / "lessons"
DDL = Path(__file__).parent / "fixtures" / "prisma_schema.sql"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
STAGES = [
    "PLAN",
    "OUTLINE",
    "STORYBOARD",
    "NARRATION",
    "PAGES",
    "TTS",
    "RENDER",
    "MERGE",
    "DONE",
]
TABLES = '"Artifact", "Approval", "PromptStageActive", "PromptStageConfig", "Job"'


def job_of(stdout: str) -> str:
    """The job id ``stepgen run`` printed."""
    match = re.search(r"^job ([0-9a-f-]{36}) for ", stdout, re.MULTILINE)
    assert match, stdout
    return match.group(1)


def create_pg_database(apply_ddl: bool = True) -> str:
    """Create a fresh PostgreSQL database (with the service's tables); return its URL."""
    name = f"stepgen_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    if apply_ddl:
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(DDL.read_text(encoding="utf-8"))
    return url


def drop_pg_database(url: str) -> None:
    """Drop the database ``url`` names, closing its connections."""
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_session_url() -> Iterator[str]:
    """One PostgreSQL database with the service's tables for the whole session."""
    url = create_pg_database()
    yield url
    drop_pg_database(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database with the service's tables: SQLite, then PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{(tmp_path / 'stepgen.db').as_posix()}"
    url: str = request.getfixturevalue("pg_session_url")
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f"TRUNCATE {TABLES} CASCADE")
    return url


class Sleeps(list[float]):
    """A stand-in for ``time.sleep`` that records each wait instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    """The recorded backoff waits of the runtime under test."""
    return Sleeps()


@pytest.fixture
def open_rt(
    db_url: str, tmp_path: Path, sleeps: Sleeps
) -> Iterator[Callable[..., Runtime]]:
    """Open runtimes on ``db_url`` with blobs in ``tmp_path``; closed after the test.

    Their processors are the quick stand-ins (``STANDIN``) unless a test passes
    others: the tests of real media ask for ``BUILTIN`` or ``media_processors``.
    """
    opened: list[Runtime] = []

    def make(**options: Any) -> Runtime:
        options.setdefault("blobs_dir", tmp_path / "blobs")
        options.setdefault("processors", STANDIN)
        options.setdefault("sleep", sleeps)
        runtime = open_runtime(db_url, **options)
        opened.append(runtime)
        return runtime

    yield make
    for runtime in opened:
        runtime.close()


@pytest.fixture
def lesson() -> str:
    """The English sample lesson."""
    return (LESSONS / "fractions.md").read_text(encoding="utf-8")


class ScriptedClient(OfflineClient):
    """The offline client, with failures or waits scripted per stage, and a call log."""

    def __init__(
        self,
        *,
        failures: dict[str, int] | None = None,
        always_fail: frozenset[str] = frozenset(),
        hang: frozenset[str] = frozenset(),
        retryable: bool = True,
    ) -> None:
        super().__init__()
        self.failures = dict(failures or {})
        self.always_fail = always_fail
        self.hang = hang
        self.retryable = retryable
        self.requests: list[ModelRequest] = []
        self.release = threading.Event()

    def calls(self, stage: str) -> int:
        """How often ``stage`` was asked."""
        return sum(1 for request in self.requests if request.stage == stage)

    def complete(self, request: ModelRequest) -> dict[str, Any]:
        """Fail, wait or answer as scripted for ``request.stage``."""
        self.requests.append(request)
        if request.stage in self.hang:
            self.release.wait(30)
        if request.stage in self.always_fail:
            raise ModelError("scripted failure", retryable=self.retryable)
        if self.failures.get(request.stage, 0) > 0:
            self.failures[request.stage] -= 1
            raise ModelError("scripted transient failure")
        return super().complete(request)


@pytest.fixture
def scripted() -> Iterator[Callable[..., ScriptedClient]]:
    """Make scripted clients; hanging ones are released after the test."""
    made: list[ScriptedClient] = []

    def make(**options: Any) -> ScriptedClient:
        client = ScriptedClient(**options)
        made.append(client)
        return client

    yield make
    for client in made:
        client.release.set()
