"""The statements one job's transactions are made of, each on a given connection.

:func:`lock_job` comes first in every transaction that writes for a job: it updates
the job's row, which queues concurrent writers of the same job behind each other
(:func:`set_job_state` does the same when the job's new state is known up front).

The statements are built once, with bound parameters: building one again for every
call costs about as much as running it.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from stepgen_runtime.db.rows import Approval, Artifact, Job, new_id, now
from stepgen_runtime.db.tables import approval, artifact, job
from stepgen_runtime.errors import JobNotFound

CREATED_BY = "stepgen"

_JOB = job.select().where(job.c.id == sa.bindparam("job_id"))
_LOCK_JOB = (
    job.update()
    .where(job.c.id == sa.bindparam("job_id"))
    .values(updatedAt=sa.bindparam("moment"))
)
_SET_JOB_STATE = (
    job.update()
    .where(job.c.id == sa.bindparam("job_id"))
    .values(
        status=sa.bindparam("new_status"),
        currentStage=sa.bindparam("new_stage"),
        error=sa.bindparam("new_error"),
        updatedAt=sa.bindparam("moment"),
    )
)
_LATEST_ARTIFACT = (
    artifact.select()
    .where(artifact.c.jobId == sa.bindparam("job_id"))
    .where(artifact.c.stage == sa.bindparam("stage"))
    .where(artifact.c.type == sa.bindparam("kind"))
    .order_by(artifact.c.version.desc())
    .limit(1)
)
_INSERT_ARTIFACT = artifact.insert()
_APPROVALS = approval.select().where(approval.c.jobId == sa.bindparam("job_id"))
_APPROVAL = _APPROVALS.where(approval.c.stage == sa.bindparam("stage"))
_INSERT_APPROVAL = approval.insert()
_SET_DECISION = (
    approval.update()
    .where(approval.c.id == sa.bindparam("approval_id"))
    .values(
        status=sa.bindparam("new_status"),
        comment=sa.bindparam("new_comment"),
        updatedAt=sa.bindparam("moment"),
    )
)


def get_job(connection: sa.Connection, job_id: str) -> Job:
    """The job ``job_id``; raise :class:`JobNotFound` if there is none."""
    row = connection.execute(_JOB, {"job_id": job_id}).first()
    if row is None:
        raise JobNotFound(job_id)
    return Job.from_row(row)


def lock_job(connection: sa.Connection, job_id: str) -> None:
    """Touch the job's row, holding its lock until the transaction ends."""
    result = connection.execute(_LOCK_JOB, {"job_id": job_id, "moment": now()})
    if result.rowcount == 0:
        raise JobNotFound(job_id)


def set_job_state(
    connection: sa.Connection,
    job_id: str,
    status: str,
    stage: str,
    error: str | None,
) -> None:
    """Set the job's status, current stage and error (which locks its row)."""
    values = {
        "job_id": job_id,
        "new_status": status,
        "new_stage": stage,
        "new_error": error,
        "moment": now(),
    }
    result = connection.execute(_SET_JOB_STATE, values)
    if result.rowcount == 0:
        raise JobNotFound(job_id)


def latest_artifact(
    connection: sa.Connection, job_id: str, stage: str, kind: str
) -> Artifact | None:
    """The highest version of the job's artifacts of ``stage`` and ``kind``."""
    values = {"job_id": job_id, "stage": stage, "kind": kind}
    row = connection.execute(_LATEST_ARTIFACT, values).first()
    return Artifact.from_row(row) if row is not None else None


def latest_artifacts(
    connection: sa.Connection, job_id: str, wanted: list[tuple[str, str]]
) -> dict[tuple[str, str], Artifact]:
    """The highest version of each (stage, type) in ``wanted``, in one statement."""
    if not wanted:
        return {}
    values: dict[str, Any] = {"job_id": job_id}
    for index, (stage, kind) in enumerate(wanted):
        values[f"stage_{index}"] = stage
        values[f"kind_{index}"] = kind
    rows = connection.execute(_latest_of(len(wanted)), values)
    found = (Artifact.from_row(row) for row in rows)
    return {(item.stage, item.type): item for item in found}


def _latest_of(count: int) -> sa.Executable:
    """The latest artifact of ``count`` (stage, type) pairs: one query each, united."""
    statement = _LATEST_OF.get(count)
    if statement is None:
        parts = [
            sa.select(
                artifact.select()
                .where(artifact.c.jobId == sa.bindparam("job_id"))
                .where(artifact.c.stage == sa.bindparam(f"stage_{index}"))
                .where(artifact.c.type == sa.bindparam(f"kind_{index}"))
                .order_by(artifact.c.version.desc())
                .limit(1)
                .subquery(f"latest_{index}")
            )
            for index in range(count)
        ]
        statement = parts[0] if count == 1 else sa.union_all(*parts)
        _LATEST_OF[count] = statement
    return statement


_LATEST_OF: dict[int, sa.Executable] = {}


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
    """Insert one artifact version and return it as stored.

    Every column is given, so the row as stored is the values written: it is not
    read back.
    """
    stored = Artifact(
        id=new_id(),
        job_id=job_id,
        stage=stage,
        type=kind,
        version=version,
        content=content,
        blob_url=blob_url,
        meta=meta,
        created_by=CREATED_BY,
        created_at=now(),
    )
    connection.execute(
        _INSERT_ARTIFACT,
        {
            "id": stored.id,
            "jobId": job_id,
            "stage": stage,
            "type": kind,
            "version": version,
            "content": content,
            "blobUrl": blob_url,
            "meta": meta,
            "createdBy": CREATED_BY,
            "createdAt": stored.created_at,
        },
    )
    return stored


def approvals(connection: sa.Connection, job_id: str) -> dict[str, Approval]:
    """The job's approvals, by stage."""
    rows = connection.execute(_APPROVALS, {"job_id": job_id})
    return {row.stage: Approval.from_row(row) for row in rows}


def get_approval(connection: sa.Connection, job_id: str, stage: str) -> Approval | None:
    """The approval of the job's ``stage``, if one was requested."""
    row = connection.execute(_APPROVAL, {"job_id": job_id, "stage": stage}).first()
    return Approval.from_row(row) if row is not None else None


def request_approval(
    connection: sa.Connection,
    job_id: str,
    stage: str,
    new_output: bool,
    approve_with: str | None = None,
) -> tuple[str, str | None, bool]:
    """Ask for approval of the stage's output, unless this output was already judged.

    A new output (or a first one) makes the approval PENDING; an output that was
    reused keeps its decision. Given ``approve_with``, an approval that would be
    PENDING is APPROVED at once with that comment (auto-approval) instead. Returns
    the approval's status and comment, and whether it was approved here.
    """
    current = get_approval(connection, job_id, stage)
    if current is not None and not new_output and current.status != "PENDING":
        return current.status, current.comment, False
    status, comment = (
        ("PENDING", None) if approve_with is None else ("APPROVED", approve_with)
    )
    if current is None:
        moment = now()
        connection.execute(
            _INSERT_APPROVAL,
            {
                "id": new_id(),
                "jobId": job_id,
                "stage": stage,
                "status": status,
                "comment": comment,
                "createdAt": moment,
                "updatedAt": moment,
            },
        )
    elif new_output or approve_with is not None:
        set_decision(connection, current.id, status, comment)
    else:
        return current.status, current.comment, False
    return status, comment, approve_with is not None


def set_decision(
    connection: sa.Connection, approval_id: str, status: str, comment: str | None
) -> None:
    """Set an approval's status and comment."""
    values = {
        "approval_id": approval_id,
        "new_status": status,
        "new_comment": comment,
        "moment": now(),
    }
    connection.execute(_SET_DECISION, values)


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
