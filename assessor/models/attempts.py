"""A candidate's invitation and timed attempt, with autosaved drafts and its timeline."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assessor.extensions import db
from assessor.models.assessments import Assessment, AssessmentItem
from assessor.models.types import UTCDateTime, str_enum, utcnow


class AttemptStatus(enum.StrEnum):
    INVITED = "invited"
    STARTED = "started"
    SUBMITTED = "submitted"
    EXPIRED = "expired"  # the invitation lapsed before the candidate started
    REVOKED = "revoked"


class Attempt(db.Model):
    """An invitation that grants exactly one timed attempt at one assessment."""

    __tablename__ = "attempts"
    __table_args__ = (
        CheckConstraint("extra_minutes >= 0", name="extra_minutes_non_negative"),
        Index("ix_attempts_status_deadline", "status", "deadline_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True
    )
    candidate_name: Mapped[str] = mapped_column(String(120))
    candidate_email: Mapped[str] = mapped_column(String(254))
    # SHA-256 of the invitation token: a leaked database does not leak working links. The token
    # itself is never stored: it is derived again from SECRET_KEY and this salt when staff copy
    # the link, and a new salt re-issues it (the old link then stops working).
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_salt: Mapped[str] = mapped_column(String(32), default="")
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    extra_minutes: Mapped[int] = mapped_column(default=0)
    status: Mapped[AttemptStatus] = mapped_column(
        str_enum(AttemptStatus, "attempt_status"), default=AttemptStatus.INVITED
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # first visit of the link
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    assessment: Mapped[Assessment] = relationship()
    drafts: Mapped[list[Draft]] = relationship(back_populates="attempt")
    events: Mapped[list[AttemptEvent]] = relationship(order_by="AttemptEvent.id")


class Draft(db.Model):
    """The candidate's latest autosaved work on one challenge; revision guards stale tabs."""

    __tablename__ = "drafts"
    __table_args__ = (UniqueConstraint("attempt_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("assessment_items.id"), index=True)
    files: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    revision: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The language the candidate picked, for a kind that offers a choice; None until then.
    language: Mapped[str | None] = mapped_column(String(20))

    attempt: Mapped[Attempt] = relationship(back_populates="drafts")
    item: Mapped[AssessmentItem] = relationship()
    snapshots: Mapped[list[DraftSnapshot]] = relationship(order_by="DraftSnapshot.revision")


class DraftSnapshot(db.Model):
    """A saved revision of a draft, kept for the reviewer's timeline."""

    __tablename__ = "draft_snapshots"
    __table_args__ = (UniqueConstraint("draft_id", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id", ondelete="CASCADE"))
    revision: Mapped[int]
    files: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AttemptEvent(db.Model):
    """One entry of the attempt's timeline: start, run, paste, focus lost, submit."""

    __tablename__ = "attempt_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("attempts.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[int | None] = mapped_column(ForeignKey("assessment_items.id"))
    kind: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
