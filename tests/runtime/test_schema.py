"""The existing PostgreSQL schema is used as it is, and SQLite gets the same tables."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import psycopg
import pytest
import rematrix_steps
import sqlalchemy as sa
from stepgen_runtime.db import open_database
from stepgen_runtime.db.tables import (
    APPROVAL_STATUSES,
    ARTIFACT_TYPES,
    JOB_STAGES,
    JOB_STATUSES,
)

from tests.conftest import invoke
from tests.runtime.conftest import LESSONS, create_pg_database, drop_pg_database

CATALOG = {
    "columns": """
        SELECT table_name, column_name, data_type, udt_name, is_nullable,
               column_default, datetime_precision
        FROM information_schema.columns WHERE table_schema = 'public'
        ORDER BY table_name, ordinal_position""",
    "indexes": """
        SELECT tablename, indexname, indexdef FROM pg_indexes
        WHERE schemaname = 'public' ORDER BY indexname""",
    "constraints": """
        SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
        WHERE connamespace = 'public'::regnamespace ORDER BY conname""",
    "enums": """
        SELECT t.typname, e.enumlabel FROM pg_type t
        JOIN pg_enum e ON e.enumtypid = t.oid ORDER BY t.typname, e.enumsortorder""",
}


def catalog(url: str) -> dict[str, list[tuple[Any, ...]]]:
    with psycopg.connect(url) as connection:
        return {
            name: connection.execute(query).fetchall()
            for name, query in CATALOG.items()
        }


def schema_dump(url: str) -> str:
    name = url.rsplit("/", 1)[1]
    pg_dump = shutil.which("pg_dump")
    assert pg_dump, "pg_dump is needed to compare the schema"
    command = [pg_dump, "--schema-only", "-h", "127.0.0.1", "-U", "postgres", name]
    dumped = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    # Newer pg_dump wraps its output in \restrict / \unrestrict with a random key.
    lines = dumped.splitlines()
    return "\n".join(
        line for line in lines if not line.startswith(("\\restrict", "\\unrestrict"))
    )


def test_a_run_leaves_the_postgresql_schema_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    url = create_pg_database()
    try:
        dump_before, catalog_before = schema_dump(url), catalog(url)
        assert 'CREATE TABLE public."Artifact"' in dump_before
        db = ["--db", url]

        ran = invoke("run", str(LESSONS / "fractions.md"), *db, "--auto-approve")
        created = invoke("prompts", "create", "PLAN", "--publish", *db)
        again = invoke("run", str(LESSONS / "zh-fractions.md"), *db)
        job = again.stdout.split()[1]
        rejected = invoke("reject", job, "PLAN", "--reason", "no", *db)

        assert [r.exit_code for r in (ran, created, again, rejected)] == [0, 0, 0, 0]
        assert schema_dump(url) == dump_before
        assert catalog(url) == catalog_before
        with psycopg.connect(url) as connection:
            counts = connection.execute(
                'SELECT (SELECT count(*) FROM "Artifact"), (SELECT count(*) FROM "Job"),'
                ' (SELECT count(*) FROM "PromptStageActive")'
            ).fetchone()
        assert counts == (10, 2, 1)
    finally:
        drop_pg_database(url)


def test_sqlite_gets_the_same_tables_columns_and_keys(
    tmp_path: Path, pg_session_url: str
) -> None:
    sqlite = open_database(f"sqlite:///{tmp_path / 'stepgen.db'}")
    postgres = open_database(pg_session_url)
    try:
        shapes = [_shape(database.engine) for database in (sqlite, postgres)]
    finally:
        sqlite.dispose()
        postgres.dispose()

    assert shapes[0] == shapes[1]
    assert sorted(shapes[0]) == [
        "Approval",
        "Artifact",
        "Job",
        "PromptStageActive",
        "PromptStageConfig",
    ]


def _shape(engine: sa.Engine) -> dict[str, Any]:
    inspector = sa.inspect(engine)
    shape = {}
    for table in inspector.get_table_names():
        shape[table] = {
            "columns": [
                (column["name"], column["nullable"])
                for column in inspector.get_columns(table)
            ],
            "primary": inspector.get_pk_constraint(table)["constrained_columns"],
            "indexes": sorted(
                (index["name"], tuple(index["column_names"]), bool(index["unique"]))
                for index in inspector.get_indexes(table)
            ),
            "foreign": sorted(
                (
                    tuple(key["constrained_columns"]),
                    key["referred_table"],
                    (key.get("options") or {}).get("ondelete"),
                )
                for key in inspector.get_foreign_keys(table)
            ),
        }
    return shape


def test_the_tables_enums_are_the_generated_enums() -> None:
    assert tuple(rematrix_steps.JobStage) == JOB_STAGES
    assert tuple(rematrix_steps.ArtifactType) == ARTIFACT_TYPES
    assert tuple(rematrix_steps.JobStatus) == JOB_STATUSES
    assert tuple(rematrix_steps.ApprovalStatus) == APPROVAL_STATUSES


def test_the_fixture_declares_the_enums_of_the_generated_package(
    pg_session_url: str,
) -> None:
    enums: dict[str, list[str]] = {}
    for name, label in catalog(pg_session_url)["enums"]:
        enums.setdefault(name, []).append(label)

    assert enums == {
        "ApprovalStatus": list(rematrix_steps.ApprovalStatus),
        "ArtifactType": list(rematrix_steps.ArtifactType),
        "JobStage": list(rematrix_steps.JobStage),
        "JobStatus": list(rematrix_steps.JobStatus),
    }
