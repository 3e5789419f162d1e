"""A reviewer's verdict on an attempt: rubric scores, notes and a decision."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assessor.extensions import db
from assessor.models.types import UTCDateTime, str_enum, utcnow
from assessor.models.users import User


class Decision(enum.StrEnum):
    STRONG_YES = "strong_yes"
    YES = "yes"
    NO = "no"
    STRONG_NO = "strong_no"


class Review(db.Model):
    __tablename__ = "reviews"
    __table_args__ = (UniqueConstraint("attempt_id", "reviewer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id", ondelete="CASCADE"))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # {str(item_id): {criterion_id: points}}: the rubric of each design challenge, and the
    # manual criteria of code challenges that have a rubric.
    rubric_scores: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    notes: Mapped[str] = mapped_column(Text, default="")
    decision: Mapped[Decision | None] = mapped_column(str_enum(Decision, "decision"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    # A draft scorecard until submitted; in blind mode others' stay hidden until then.
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    reviewer: Mapped[User] = relationship()
