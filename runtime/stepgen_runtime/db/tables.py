"""The video service's tables, described for SQLAlchemy Core exactly as Prisma made them.

Names are the quoted camelCase ones of the existing PostgreSQL schema, and the enum
columns use its enum types (``"JobStage"``, ``"ArtifactType"``, ``"JobStatus"``,
``"ApprovalStatus"``). On PostgreSQL the runtime only reads and writes these tables;
on SQLite, the embedded default, it creates them from this description (JSON as text,
enums as checked text).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

JOB_STAGES = (
    "PLAN",
    "OUTLINE",
    "STORYBOARD",
    "NARRATION",
    "PAGES",
    "TTS",
    "RENDER",
    "MERGE",
    "DONE",
)
ARTIFACT_TYPES = ("JSON", "MARKDOWN", "TEXT", "AUDIO", "IMAGE", "VIDEO", "SUBTITLES")
JOB_STATUSES = (
    "DRAFT",
    "WAITING_APPROVAL",
    "RUNNING",
    "FAILED",
    "COMPLETED",
    "CANCELED",
)
APPROVAL_STATUSES = ("PENDING", "APPROVED", "REJECTED")

metadata = sa.MetaData()


def _enum(name: str, values: tuple[str, ...]) -> sa.Enum:
    return sa.Enum(
        *values,
        name=name,
        create_constraint=True,
        validate_strings=True,
        metadata=metadata,
    )


JobStageType = _enum("JobStage", JOB_STAGES)
ArtifactTypeType = _enum("ArtifactType", ARTIFACT_TYPES)
JobStatusType = _enum("JobStatus", JOB_STATUSES)
ApprovalStatusType = _enum("ApprovalStatus", APPROVAL_STATUSES)

Json = sa.JSON(none_as_null=True).with_variant(
    postgresql.JSONB(none_as_null=True), "postgresql"
)
Timestamp = sa.DateTime().with_variant(postgresql.TIMESTAMP(precision=3), "postgresql")
NOW = sa.text("CURRENT_TIMESTAMP")

job = sa.Table(
    "Job",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("userId", sa.Text),
    sa.Column("status", JobStatusType, nullable=False, server_default="DRAFT"),
    sa.Column("currentStage", JobStageType, nullable=False, server_default="PLAN"),
    sa.Column("config", Json),
    sa.Column("stageStatus", Json),
    sa.Column("error", sa.Text),
    sa.Column("createdAt", Timestamp, nullable=False, server_default=NOW),
    sa.Column("updatedAt", Timestamp, nullable=False),
    sa.PrimaryKeyConstraint("id", name="Job_pkey"),
)

artifact = sa.Table(
    "Artifact",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column(
        "jobId",
        sa.Text,
        sa.ForeignKey(
            "Job.id",
            name="Artifact_jobId_fkey",
            ondelete="CASCADE",
            onupdate="CASCADE",
        ),
        nullable=False,
    ),
    sa.Column("stage", JobStageType, nullable=False),
    sa.Column("type", ArtifactTypeType, nullable=False),
    sa.Column("version", sa.Integer, nullable=False, server_default="1"),
    sa.Column("content", Json),
    sa.Column("blobUrl", sa.Text),
    sa.Column("meta", Json),
    sa.Column("createdBy", sa.Text),
    sa.Column("createdAt", Timestamp, nullable=False, server_default=NOW),
    sa.PrimaryKeyConstraint("id", name="Artifact_pkey"),
    sa.Index("Artifact_jobId_stage_idx", "jobId", "stage"),
    sa.Index(
        "Artifact_jobId_stage_type_version_key",
        "jobId",
        "stage",
        "type",
        "version",
        unique=True,
    ),
)

approval = sa.Table(
    "Approval",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column(
        "jobId",
        sa.Text,
        sa.ForeignKey(
            "Job.id",
            name="Approval_jobId_fkey",
            ondelete="CASCADE",
            onupdate="CASCADE",
        ),
        nullable=False,
    ),
    sa.Column("stage", JobStageType, nullable=False),
    sa.Column("status", ApprovalStatusType, nullable=False, server_default="PENDING"),
    sa.Column("comment", sa.Text),
    sa.Column("createdAt", Timestamp, nullable=False, server_default=NOW),
    sa.Column("updatedAt", Timestamp, nullable=False),
    sa.PrimaryKeyConstraint("id", name="Approval_pkey"),
    sa.Index("Approval_jobId_stage_key", "jobId", "stage", unique=True),
)

prompt_stage_config = sa.Table(
    "PromptStageConfig",
    metadata,
    sa.Column("id", sa.Text, primary_key=True),
    sa.Column("stage", JobStageType, nullable=False),
    sa.Column("model", sa.Text, nullable=False),
    sa.Column("temperature", sa.Double),
    sa.Column("prompt", sa.Text, nullable=False),
    sa.Column("tools", Json),
    sa.Column("schema", Json),
    sa.Column("meta", Json),
    sa.Column("createdAt", Timestamp, nullable=False, server_default=NOW),
    sa.Column("updatedAt", Timestamp, nullable=False),
    sa.PrimaryKeyConstraint("id", name="PromptStageConfig_pkey"),
    sa.Index("PromptStageConfig_stage_idx", "stage"),
    sa.Index("PromptStageConfig_stage_updatedAt_idx", "stage", "updatedAt"),
)

prompt_stage_active = sa.Table(
    "PromptStageActive",
    metadata,
    sa.Column("stage", JobStageType, primary_key=True),
    sa.Column(
        "activeConfigId",
        sa.Text,
        sa.ForeignKey(
            "PromptStageConfig.id",
            name="PromptStageActive_activeConfigId_fkey",
            ondelete="RESTRICT",
            onupdate="CASCADE",
        ),
        nullable=False,
    ),
    sa.Column("updatedAt", Timestamp, nullable=False),
    sa.PrimaryKeyConstraint("stage", name="PromptStageActive_pkey"),
)

TABLES = (job, artifact, approval, prompt_stage_config, prompt_stage_active)
