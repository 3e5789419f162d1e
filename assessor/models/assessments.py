"""Assessments: ordered challenges pinned to versions, owned by an interviewer."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assessor.extensions import db
from assessor.models.challenges import ChallengeVersion
from assessor.models.types import UTCDateTime, str_enum, utcnow
from assessor.models.users import User


class AssessmentStatus(enum.StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    ARCHIVED = "archived"


class ShareAccess(enum.StrEnum):
    VIEWER = "viewer"  # sees progress and reports, and reviews
    EDITOR = "editor"  # also edits, invites and archives


class Assessment(db.Model):
    __tablename__ = "assessments"
    __table_args__ = (
        CheckConstraint("duration_minutes > 0", name="positive_duration"),
        CheckConstraint(
            "time_budget_minutes IS NULL OR time_budget_minutes > 0", name="positive_time_budget"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    duration_minutes: Mapped[int]
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[AssessmentStatus] = mapped_column(
        str_enum(AssessmentStatus, "assessment_status"), default=AssessmentStatus.DRAFT
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, onupdate=utcnow)
    # The author's planned total for the challenges, shown beside their summed `minutes`.
    time_budget_minutes: Mapped[int | None]
    # Blind review: a reviewer sees others' scorecards only after submitting their own; with
    # hide_identity, reviewers also see "Candidate 3" instead of a name and email.
    blind_review: Mapped[bool] = mapped_column(default=False)
    hide_identity: Mapped[bool] = mapped_column(default=False)
    # Set when the first invitation is sent: from then on the challenges, their versions and the
    # duration are what every invited candidate gets, and no edit changes them.
    pinned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    owner: Mapped[User] = relationship()
    items: Mapped[list[AssessmentItem]] = relationship(
        back_populates="assessment",
        order_by="AssessmentItem.position",
        cascade="all, delete-orphan",
    )
    shares: Mapped[list[AssessmentShare]] = relationship(cascade="all, delete-orphan")


class AssessmentItem(db.Model):
    """One challenge of an assessment, pinned to the version it was built with."""

    __tablename__ = "assessment_items"
    __table_args__ = (
        UniqueConstraint("assessment_id", "position"),
        CheckConstraint("weight > 0", name="positive_weight"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessments.id", ondelete="CASCADE"))
    position: Mapped[int]
    challenge_version_id: Mapped[int] = mapped_column(
        ForeignKey("challenge_versions.id"), index=True
    )
    weight: Mapped[float] = mapped_column(Float, default=1.0)

    assessment: Mapped[Assessment] = relationship(back_populates="items")
    version: Mapped[ChallengeVersion] = relationship()


class AssessmentShare(db.Model):
    """Another interviewer who may see (viewer) or also manage (editor) the assessment."""

    __tablename__ = "assessment_shares"

    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    access: Mapped[ShareAccess] = mapped_column(
        str_enum(ShareAccess, "share_access"), default=ShareAccess.VIEWER
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()
