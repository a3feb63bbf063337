"""Opening the database: PostgreSQL as it exists, or the embedded SQLite default.

PostgreSQL URLs (``postgresql://…``) are used through psycopg 3, and the tables must
already exist: the runtime checks for them and never creates or alters anything
there. Without a URL the runtime uses SQLite in ``.stepgen/stepgen.db`` under the
working directory, and creates the same tables there on first use.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError

from stepgen_runtime.db.tables import TABLES, metadata
from stepgen_runtime.errors import DatabaseError

STATE_DIR = ".stepgen"
SQLITE_FILE = "stepgen.db"
CONNECT_TIMEOUT_S = 5
SQLITE_BUSY_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Database:
    """An open database: the engine, and the URL as it may be shown (no password)."""

    engine: Engine
    shown_url: str

    @property
    def dialect(self) -> str:
        """``postgresql`` or ``sqlite``."""
        return str(self.engine.dialect.name)

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def default_url(cwd: Path | None = None) -> str:
    """The embedded default: SQLite in ``.stepgen/stepgen.db`` under ``cwd``."""
    folder = (cwd or Path.cwd()) / STATE_DIR
    return f"sqlite:///{(folder / SQLITE_FILE).as_posix()}"


def normalize_url(url: str) -> URL:
    """Parse ``url``; plain ``postgresql://`` and ``postgres://`` mean psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    try:
        parsed = make_url(url)
    except ArgumentError as error:
        raise DatabaseError(f"not a database URL: {error}") from None
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def open_database(url: str | None = None) -> Database:
    """Open ``url`` (the embedded default when None) and check its tables."""
    parsed = normalize_url(url or default_url())
    shown = parsed.render_as_string(hide_password=True)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        engine = _sqlite_engine(parsed, shown)
    elif backend == "postgresql":
        engine = _create_engine(
            parsed, shown, connect_args={"connect_timeout": CONNECT_TIMEOUT_S}
        )
    else:
        raise DatabaseError(
            f"unsupported database {backend!r} in {shown}: use postgresql or sqlite"
        )
    database = Database(engine, shown)
    try:
        with engine.connect() as connection:
            if backend == "sqlite":
                metadata.create_all(connection)
                connection.commit()
            else:
                _check_tables(connection, shown)
    except DBAPIError as error:
        engine.dispose()
        raise DatabaseError(
            f"cannot reach the database at {shown}: {reason(error)}"
        ) from None
    except BaseException:
        engine.dispose()
        raise
    return database


def reason(error: DBAPIError) -> str:
    """The first line of the driver's message, without SQLAlchemy's decoration."""
    text = str(error.orig).strip() or type(error.orig).__name__
    return text.splitlines()[0]


def _create_engine(url: URL, shown: str, **options: Any) -> Engine:
    try:
        return sa.create_engine(url, **options)
    except (ArgumentError, NoSuchModuleError) as error:
        raise DatabaseError(f"cannot use the database URL {shown}: {error}") from None


def _sqlite_engine(url: URL, shown: str) -> Engine:
    if url.database and url.database != ":memory:":
        folder = Path(url.database).parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            message = f"cannot create the folder of the database {shown}: {error}"
            raise DatabaseError(message) from None
    engine = _create_engine(url, shown, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})

    @sa.event.listens_for(engine, "connect")
    def _foreign_keys(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    return engine


def _check_tables(connection: sa.Connection, shown: str) -> None:
    inspector = sa.inspect(connection)
    missing = [table.name for table in TABLES if not inspector.has_table(table.name)]
    if missing:
        raise DatabaseError(
            f"the database at {shown} lacks the tables {', '.join(missing)}; apply the "
            "service's migrations first (the runtime never creates tables in PostgreSQL)"
        )
