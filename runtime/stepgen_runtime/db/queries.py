"""The statements one job's transactions are made of, each on a given connection.

:func:`lock_job` comes first in every transaction that writes for a job: it updates
the job's row, which queues concurrent writers of the same job behind each other.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from stepgen_runtime.db.rows import Approval, Artifact, new_id, now
from stepgen_runtime.db.tables import approval, artifact, job
from stepgen_runtime.errors import JobNotFound

CREATED_BY = "stepgen"


def lock_job(connection: sa.Connection, job_id: str) -> None:
    """Touch the job's row, holding its lock until the transaction ends."""
    result = connection.execute(
        job.update().where(job.c.id == job_id).values(updatedAt=now())
    )
    if result.rowcount == 0:
        raise JobNotFound(job_id)


def set_job_state(
    connection: sa.Connection,
    job_id: str,
    status: str,
    stage: str,
    error: str | None,
) -> None:
    """Set the job's status, current stage and error."""
    result = connection.execute(
        job.update()
        .where(job.c.id == job_id)
        .values(status=status, currentStage=stage, error=error, updatedAt=now())
    )
    if result.rowcount == 0:
        raise JobNotFound(job_id)


def latest_artifact(
    connection: sa.Connection, job_id: str, stage: str, kind: str
) -> Artifact | None:
    """The highest version of the job's artifacts of ``stage`` and ``kind``."""
    query = (
        artifact.select()
        .where(artifact.c.jobId == job_id)
        .where(artifact.c.stage == stage)
        .where(artifact.c.type == kind)
        .order_by(artifact.c.version.desc())
        .limit(1)
    )
    row = connection.execute(query).first()
    return Artifact.from_row(row) if row is not None else None


def insert_artifact(
    connection: sa.Connection,
    *,
    job_id: str,
    stage: str,
    kind: str,
    version: int,
    content: Any,
    blob_url: str | None,
    meta: dict[str, Any],
) -> Artifact:
    """Insert one artifact version and return it as stored."""
    artifact_id = new_id()
    connection.execute(
        artifact.insert().values(
            id=artifact_id,
            jobId=job_id,
            stage=stage,
            type=kind,
            version=version,
            content=content,
            blobUrl=blob_url,
            meta=meta,
            createdBy=CREATED_BY,
            createdAt=now(),
        )
    )
    row = connection.execute(
        artifact.select().where(artifact.c.id == artifact_id)
    ).one()
    return Artifact.from_row(row)


def get_approval(connection: sa.Connection, job_id: str, stage: str) -> Approval | None:
    """The approval of the job's ``stage``, if one was requested."""
    query = approval.select().where(
        approval.c.jobId == job_id, approval.c.stage == stage
    )
    row = connection.execute(query).first()
    return Approval.from_row(row) if row is not None else None


def request_approval(
    connection: sa.Connection, job_id: str, stage: str, new_output: bool
) -> tuple[str, str | None]:
    """Ask for approval of the stage's output, unless this output was already judged.

    A new output (or a first one) makes the approval PENDING; an output that was
    reused keeps its decision. Returns the approval's status and comment.
    """
    current = get_approval(connection, job_id, stage)
    moment = now()
    if current is None:
        connection.execute(
            approval.insert().values(
                id=new_id(),
                jobId=job_id,
                stage=stage,
                status="PENDING",
                createdAt=moment,
                updatedAt=moment,
            )
        )
        return "PENDING", None
    if new_output:
        set_decision(connection, current.id, "PENDING", None)
        return "PENDING", None
    return current.status, current.comment


def set_decision(
    connection: sa.Connection, approval_id: str, status: str, comment: str | None
) -> None:
    """Set an approval's status and comment."""
    connection.execute(
        approval.update()
        .where(approval.c.id == approval_id)
        .values(status=status, comment=comment, updatedAt=now())
    )


def status_after(
    stage: str, decision: str | None, comment: str | None, final: bool
) -> tuple[str, str | None]:
    """The job's status and error once ``stage`` has its output and decision."""
    if decision == "PENDING":
        return "WAITING_APPROVAL", None
    if decision == "REJECTED":
        return "FAILED", rejected(stage, comment)
    return ("COMPLETED" if final else "RUNNING"), None


def rejected(stage: str, comment: str | None) -> str:
    """The job error recorded when ``stage`` is rejected."""
    return f"stage {stage} was rejected" + (f": {comment}" if comment else "")
