"""Tables. The database is the truth: a content's state and every stage run live here."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from autoclip.looks.templates import TemplateSpec
from autoclip.safety import SafetyReport
from autoclip.service.brands.records import BrandRecord
from autoclip.service.contents.records import Outputs, Served, StoredOptions
from autoclip.service.db import Base, ModelJSON, UTCDateTime, utcnow


def _enum(kind: type[StrEnum]) -> Enum:
    # Stored as plain strings (no native enum type), so SQLite and PostgreSQL share one
    # migration and adding a member needs no ALTER TYPE.
    return Enum(
        kind,
        native_enum=False,
        create_constraint=False,
        length=24,
        values_callable=lambda members: [m.value for m in members],
    )


def _when() -> Mapped[datetime]:
    return mapped_column(UTCDateTime, default=utcnow, nullable=False)


class ContentStatus(StrEnum):
    DRAFT = "draft"
    QUEUED = "queued"
    PROCESSING = "processing"
    REVIEW = "review"
    READY = "ready"
    PUBLISHING = "publishing"
    PUBLISHED = "published"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_active(self) -> bool:
        return self in (ContentStatus.QUEUED, ContentStatus.PROCESSING)


class GenerationType(StrEnum):
    TOPIC = "topic"
    TEXT = "text"
    URL = "url"


class JobPhase(StrEnum):
    """Which queue holds the content's next step."""

    PREPARE = "prepare"  # script, narration, visuals, captions
    RENDER = "render"  # render, thumbnail, publish: the render queue, prefetch 1


class StageRunStatus(StrEnum):
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    REUSED = "reused"
    FAILED = "failed"
    CANCELLED = "cancelled"
    ABANDONED = "abandoned"  # its worker vanished (killed, lost machine); the stage reran


class ExportStatus(StrEnum):
    QUEUED = "queued"
    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"

    @property
    def in_flight(self) -> bool:
        return self in (ExportStatus.QUEUED, ExportStatus.PROCESSING)


class MediaKind(StrEnum):
    IMAGE = "image"
    CLIP = "clip"
    MUSIC = "music"


class LedgerReason(StrEnum):
    TRIAL_GRANT = "trial_grant"
    MONTHLY_GRANT = "monthly_grant"
    GENERATION = "generation"
    REGENERATION = "regeneration"
    REFUND = "refund"
    ADJUSTMENT = "adjustment"


class Plan(Base):
    __tablename__ = "plans"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    monthly_credits: Mapped[int] = mapped_column(Integer, default=0)
    unlimited: Mapped[bool] = mapped_column(Boolean, default=False)
    trial_credits: Mapped[int] = mapped_column(Integer, default=0)
    requests_per_minute: Mapped[int] = mapped_column(Integer)
    price_cents: Mapped[int] = mapped_column(Integer, default=0)


class User(Base):
    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    plan_id: Mapped[str] = mapped_column(ForeignKey("plans.id"))
    credit_balance: Mapped[int] = mapped_column(Integer, default=0)
    credits_renew_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # When the account proved it reads its email (or was accepted without: see
    # auth/verification.py). None: it waits for that, and may not sign in or hold credits.
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = _when()


class RefreshToken(Base):
    __tablename__ = "refresh_tokens"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    family_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = _when()


class ApiKey(Base):
    __tablename__ = "api_keys"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Space-separated ApiScope values (`read write`).
    scopes: Mapped[str] = mapped_column(String(64), default="read write")
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = _when()


class Project(Base):
    __tablename__ = "projects"
    __table_args__ = (Index("ix_projects_user_created", "user_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    vertical: Mapped[str] = mapped_column(String(32))
    format: Mapped[str] = mapped_column(String(8))
    tone: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(8))
    platforms: Mapped[list[str]] = mapped_column(JSON, default=list)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    # Provider chains for this project's contents ({"narrator": "elevenlabs,espeak"}),
    # a per-content budget in USD, and whether flagged scripts wait for approval.
    providers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict, server_default="{}")
    budget_usd: Mapped[float | None] = mapped_column(Float)
    require_review: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The brand kit: logo, colours, font, music bed (files under brands/{user_id}/).
    brand: Mapped[BrandRecord] = mapped_column(
        ModelJSON(BrandRecord), default=BrandRecord, server_default="{}"
    )
    # The pronunciation dictionary every narrator applies ({"AutoClip": "오토클립"}).
    pronunciations: Mapped[dict[str, str]] = mapped_column(JSON, default=dict, server_default="{}")
    created_at: Mapped[datetime] = _when()
    updated_at: Mapped[datetime] = _when()
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class UserTemplate(Base):
    """A template a user saved (from one of their contents, or given whole): the same
    `TemplateSpec` the built-in ones are, under a name of the user's."""

    __tablename__ = "templates"
    __table_args__ = (UniqueConstraint("user_id", "name", name="uq_templates_user_name"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    vertical: Mapped[str] = mapped_column(String(32))
    spec: Mapped[TemplateSpec] = mapped_column(ModelJSON(TemplateSpec))
    created_at: Mapped[datetime] = _when()


class Content(Base):
    """What its owner asked for and sees: the source, the options, the status and progress,
    the script and the outputs. What a worker needs to run the current generation lives
    on its `GenerationRun` (`run_id`)."""

    __tablename__ = "contents"
    __table_args__ = (
        Index("ix_contents_user_created", "user_id", "created_at"),
        Index("ix_contents_status", "status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    project_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("projects.id"), index=True)
    # The current generation; None for a draft that was never generated.
    run_id: Mapped[uuid.UUID | None] = mapped_column(
        # use_alter: the two tables refer to each other.
        ForeignKey("generation_runs.id", ondelete="SET NULL", use_alter=True)
    )
    # Set with the run in one flush: the row goes in first, run_id follows in an UPDATE
    # once the run exists (post_update), since each table refers to the other.
    run: Mapped[GenerationRun | None] = relationship(
        foreign_keys=[run_id], post_update=True, lazy="raise"
    )
    generation_type: Mapped[GenerationType] = mapped_column(_enum(GenerationType))
    source: Mapped[str] = mapped_column(Text)  # the topic, the text or the URL
    language: Mapped[str] = mapped_column(String(8))
    options: Mapped[StoredOptions] = mapped_column(ModelJSON(StoredOptions))
    status: Mapped[ContentStatus] = mapped_column(_enum(ContentStatus))
    stage: Mapped[str | None] = mapped_column(String(24))
    progress: Mapped[int] = mapped_column(Integer, default=0)
    error_stage: Mapped[str | None] = mapped_column(String(24))
    error: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(String(300))
    script: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    outputs: Mapped[Outputs | None] = mapped_column(ModelJSON(Outputs))
    duration_s: Mapped[float | None] = mapped_column(Float)
    credit_charged: Mapped[bool] = mapped_column(Boolean, default=False)
    safety: Mapped[SafetyReport | None] = mapped_column(ModelJSON(SafetyReport))
    served: Mapped[Served | None] = mapped_column(ModelJSON(Served))
    cost_usd: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = _when()
    updated_at: Mapped[datetime] = _when()
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When a deleted content's stored objects were removed; None on a deleted content
    # means some may remain, and the reconciler tries again (jobs/purge.py).
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class GenerationRun(Base):
    """One generation of a content: its creation, a regenerate, or an operator's retry.

    The job's own state: which queue holds its next step, how many attempts it took, which
    worker holds it until when, when it may run again, what it must remake. An approval
    after review goes on with the same run.
    """

    __tablename__ = "generation_runs"
    __table_args__ = (Index("ix_generation_runs_lease", "lease_expires_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    content_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("contents.id", ondelete="CASCADE"), index=True
    )
    # Bumped by each regenerate: it keys the stage cache's refreshed entries.
    revision: Mapped[int] = mapped_column(Integer, default=0)
    phase: Mapped[JobPhase] = mapped_column(_enum(JobPhase), default=JobPhase.PREPARE)
    refresh_stages: Mapped[list[str]] = mapped_column(JSON, default=list)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_owner: Mapped[str | None] = mapped_column(String(100))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime)
    request_id: Mapped[str | None] = mapped_column(String(64))
    # When the machines were asked to work: the request, or an approval after review.
    requested_at: Mapped[datetime] = _when()
    created_at: Mapped[datetime] = _when()


class StageRun(Base):
    __tablename__ = "stage_runs"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    content_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("contents.id", ondelete="CASCADE"), index=True
    )
    stage: Mapped[str] = mapped_column(String(24))
    status: Mapped[StageRunStatus] = mapped_column(_enum(StageRunStatus))
    attempt: Mapped[int] = mapped_column(Integer)
    worker: Mapped[str | None] = mapped_column(String(100))
    started_at: Mapped[datetime] = _when()
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duration_s: Mapped[float | None] = mapped_column(Float)
    error: Mapped[str | None] = mapped_column(Text)


class CreditEntry(Base):
    __tablename__ = "credit_ledger"
    __table_args__ = (Index("ix_credit_ledger_user_created", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    delta: Mapped[int] = mapped_column(Integer)
    balance_after: Mapped[int | None] = mapped_column(Integer)  # None: an unlimited plan
    reason: Mapped[LedgerReason] = mapped_column(_enum(LedgerReason))
    content_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_at: Mapped[datetime] = _when()


class ApiUsage(Base):
    """One paid (or counted) provider call: what it consumed and what it cost, estimated."""

    __tablename__ = "api_usages"
    __table_args__ = (Index("ix_api_usages_user_created", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    content_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    service: Mapped[str] = mapped_column(String(32))
    stage: Mapped[str | None] = mapped_column(String(24))
    units: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    cost_usd: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[datetime] = _when()


class IdempotencyKey(Base):
    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    content_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("contents.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = _when()


class Export(Base):
    """A zip of a user's finished contents, built by a job, stored under `key` until
    `expires_at`, when the periodic cleanup removes the row and the object."""

    __tablename__ = "exports"
    __table_args__ = (
        Index("ix_exports_user_created", "user_id", "created_at"),
        Index("ix_exports_status_updated", "status", "updated_at"),  # the reconciler's
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[ExportStatus] = mapped_column(_enum(ExportStatus))
    # Asked for at creation; once built, the ones actually bundled (a content deleted
    # meanwhile is left out).
    content_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Chosen at creation, so a delete can remove whatever a build left behind.
    key: Mapped[str] = mapped_column(String(300), unique=True)
    size: Mapped[int | None] = mapped_column(BigInteger)  # bytes; 50 videos pass 2 GiB
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = _when()
    updated_at: Mapped[datetime] = _when()  # a build that stops moving it was lost
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class MediaItem(Base):
    """A file of a user's own media library (an image, a video clip, music), stored under
    `key` in the user's prefix (`media/{user_id}/`)."""

    __tablename__ = "media_items"
    __table_args__ = (Index("ix_media_items_user_created", "user_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[MediaKind] = mapped_column(_enum(MediaKind))
    name: Mapped[str] = mapped_column(String(200))  # the file's name as uploaded, for people
    content_type: Mapped[str] = mapped_column(String(64))  # what the bytes are, as sniffed
    key: Mapped[str] = mapped_column(String(300), unique=True)
    size: Mapped[int] = mapped_column(BigInteger)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    duration_s: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[datetime] = _when()
