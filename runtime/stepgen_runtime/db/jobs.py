"""Jobs, their artifacts and their approvals, read and written with SQLAlchemy Core.

Every write that concerns one job starts by updating that job's row, so writers of
one job queue behind each other (a row lock on PostgreSQL, the write lock on SQLite):
two executors racing on a stage never both write a version, and the second one finds
the artifact of the first.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, OperationalError

from stepgen_runtime.db import queries
from stepgen_runtime.db.engine import Database, reason
from stepgen_runtime.db.rows import Approval, Artifact, Job, new_id, now
from stepgen_runtime.db.tables import artifact, job
from stepgen_runtime.errors import ApprovalError, DatabaseError

WRITE_ATTEMPTS = 3
# The job's status and error once a stage is approved, as JobStore.decide sets them.
APPROVED_JOB: tuple[str, str | None] = ("RUNNING", None)


@dataclass(frozen=True)
class Recorded:
    """What writing a stage's output did: the artifact, and the job's state after."""

    artifact: Artifact
    created: bool
    approval: str | None
    job_status: str


class JobTransaction:
    """Reads and writes of one job's rows on one connection, in one transaction."""

    def __init__(self, connection: sa.Connection) -> None:
        self.connection = connection
        self._latest: dict[tuple[str, str, str], Artifact | None] = {}

    def get_job(self, job_id: str) -> Job:
        """Return the job ``job_id``; raise :class:`JobNotFound` if there is none."""
        return queries.get_job(self.connection, job_id)

    def approvals(self, job_id: str) -> dict[str, Approval]:
        """The job's approvals, by stage."""
        return queries.approvals(self.connection, job_id)

    def latest_artifact(self, job_id: str, stage: str, kind: str) -> Artifact | None:
        """The highest version of the job's artifacts of ``stage`` and ``kind``."""
        key = (job_id, stage, kind)
        if key in self._latest:
            return self._latest[key]
        return queries.latest_artifact(self.connection, job_id, stage, kind)

    def read_latest(self, job_id: str, wanted: list[tuple[str, str]]) -> None:
        """Read the latest artifact of each (stage, type) in ``wanted`` at once.

        One statement instead of one per stage; :meth:`latest_artifact` then answers
        for these from what it read.
        """
        found = queries.latest_artifacts(self.connection, job_id, wanted)
        for stage, kind in wanted:
            self._latest[(job_id, stage, kind)] = found.get((stage, kind))

    def set_state(
        self, job_id: str, status: str, stage: str, error: str | None = None
    ) -> None:
        """Set the job's status, current stage and error."""
        queries.set_job_state(self.connection, job_id, status, stage, error)


class JobStore:
    """Reads and writes jobs, artifacts and approvals in one database."""

    def __init__(self, database: Database) -> None:
        self.database = database

    @contextmanager
    def _begin(self) -> Iterator[sa.Connection]:
        try:
            with self.database.engine.begin() as connection:
                yield connection
        except OperationalError as error:
            shown = self.database.shown_url
            raise DatabaseError(f"database error at {shown}: {reason(error)}") from None

    @contextmanager
    def transaction(self) -> Iterator[JobTransaction]:
        """One transaction for several reads and writes; committed when it ends."""
        with self._begin() as connection:
            yield JobTransaction(connection)

    def create_job(self, config: dict[str, Any], user_id: str | None = None) -> Job:
        """Insert a DRAFT job whose ``config`` holds the lesson; return it."""
        job_id = new_id()
        moment = now()
        with self._begin() as connection:
            connection.execute(
                job.insert().values(
                    id=job_id,
                    userId=user_id,
                    status="DRAFT",
                    currentStage="PLAN",
                    config=config,
                    createdAt=moment,
                    updatedAt=moment,
                )
            )
            return queries.get_job(connection, job_id)

    def get_job(self, job_id: str) -> Job:
        """Return the job ``job_id``; raise :class:`JobNotFound` if there is none."""
        with self._begin() as connection:
            return queries.get_job(connection, job_id)

    def set_state(
        self, job_id: str, status: str, stage: str, error: str | None = None
    ) -> None:
        """Set the job's status, current stage and error."""
        with self._begin() as connection:
            queries.set_job_state(connection, job_id, status, stage, error)

    def latest_artifact(self, job_id: str, stage: str, kind: str) -> Artifact | None:
        """The highest version of the job's artifacts of ``stage`` and ``kind``."""
        with self._begin() as connection:
            return queries.latest_artifact(connection, job_id, stage, kind)

    def artifacts(self, job_id: str) -> list[Artifact]:
        """Every artifact of the job, by stage, type and version."""
        query = (
            artifact.select()
            .where(artifact.c.jobId == job_id)
            .order_by(artifact.c.stage, artifact.c.type, artifact.c.version)
        )
        with self._begin() as connection:
            return [Artifact.from_row(row) for row in connection.execute(query)]

    def latest_artifacts(self, job_id: str) -> list[Artifact]:
        """The latest artifact of each (stage, type) of the job."""
        latest: dict[tuple[str, str], Artifact] = {}
        for item in self.artifacts(job_id):
            latest[(item.stage, item.type)] = item
        return list(latest.values())

    def approvals(self, job_id: str) -> dict[str, Approval]:
        """The job's approvals, by stage."""
        with self._begin() as connection:
            return queries.approvals(connection, job_id)

    def record_output(
        self,
        *,
        job_id: str,
        stage: str,
        kind: str,
        inputs_hash: str,
        content: Any,
        blob_url: str | None,
        meta: dict[str, Any],
        requires_approval: bool,
        final: bool,
        approve_with: str | None = None,
        next_stage: str | None = None,
    ) -> Recorded:
        """Write the output as a new version, or reuse the latest if its hash matches.

        The artifact, the approval and the job's status and stage are written in one
        transaction. Given ``approve_with``, an approval the output would wait for is
        given at once with that comment, as :meth:`decide` gives it. Given
        ``next_stage``, a job left RUNNING is handed to that stage: it becomes the
        job's current stage (the stage then starts without writing it again). A
        unique-key conflict (a writer that does not lock the job) is answered by
        reading again.
        """
        # The job's row is locked first, by writing the state the job most likely
        # ends in; a second write corrects it when the approval says otherwise.
        if not requires_approval:
            likely = queries.status_after(stage, None, None, final)
        elif approve_with is None:
            likely = ("WAITING_APPROVAL", None)
        else:
            likely = APPROVED_JOB
        expected = _job_state(stage, next_stage, likely)
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                with self._begin() as connection:
                    queries.set_job_state(connection, job_id, *expected)
                    latest = queries.latest_artifact(connection, job_id, stage, kind)
                    created = latest is None or latest.inputs_hash != inputs_hash
                    if latest is None or created:
                        latest = queries.insert_artifact(
                            connection,
                            job_id=job_id,
                            stage=stage,
                            kind=kind,
                            version=latest.version + 1 if latest else 1,
                            content=content,
                            blob_url=blob_url,
                            meta=meta,
                        )
                    state, decision = expected, None
                    if requires_approval:
                        decision, comment, given = queries.request_approval(
                            connection, job_id, stage, created, approve_with
                        )
                        after = (
                            APPROVED_JOB
                            if given
                            else queries.status_after(stage, decision, comment, final)
                        )
                        state = _job_state(stage, next_stage, after)
                    if state != expected:
                        queries.set_job_state(connection, job_id, *state)
                    return Recorded(latest, created, decision, state[0])
            except IntegrityError as error:
                if attempt == WRITE_ATTEMPTS:
                    message = f"cannot write the {stage} artifact: {reason(error)}"
                    raise DatabaseError(message) from None
        raise AssertionError("unreachable")

    def decide(
        self, job_id: str, stage: str, approved: bool, comment: str | None
    ) -> Approval:
        """Approve or reject the pending approval of ``stage``; update the job."""
        with self._begin() as connection:
            queries.lock_job(connection, job_id)
            current = queries.get_approval(connection, job_id, stage)
            if current is None:
                message = "no approval was requested for this stage"
                raise ApprovalError(job_id, stage, message)
            if current.status != "PENDING":
                message = f"the approval is already {current.status}"
                raise ApprovalError(job_id, stage, message)
            status = "APPROVED" if approved else "REJECTED"
            queries.set_decision(connection, current.id, status, comment)
            if approved:
                queries.set_job_state(connection, job_id, "RUNNING", stage, None)
            else:
                error = queries.rejected(stage, comment)
                queries.set_job_state(connection, job_id, "FAILED", stage, error)
            updated = queries.get_approval(connection, job_id, stage)
        assert updated is not None
        return updated


def _job_state(
    stage: str, next_stage: str | None, after: tuple[str, str | None]
) -> tuple[str, str, str | None]:
    """The job's status, current stage and error once ``stage`` is written."""
    status, error = after
    if status == "RUNNING" and next_stage is not None:
        return status, next_stage, error
    return status, stage, error
