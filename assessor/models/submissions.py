"""Submissions to grade, their lease, and the per-test results of grading."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assessor.extensions import db
from assessor.models.attempts import Attempt
from assessor.models.types import UTCDateTime, str_enum, utcnow


class SubmissionKind(enum.StrEnum):
    RUN = "run"  # public tests only, for the candidate; never scored
    FINAL = "final"


class SubmissionStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    GRADED = "graded"
    ERROR = "error"


class Submission(db.Model):
    """Files to grade; the row, not the queue, is the source of truth for its state."""

    __tablename__ = "submissions"
    __table_args__ = (
        # The reaper scans queued/running work whose lease has lapsed.
        Index("ix_submissions_status_lease", "status", "lease_expires_at"),
        # One final submission per challenge of an attempt: finalization is idempotent.
        Index(
            "uq_submissions_final_per_item",
            "attempt_id",
            "item_id",
            unique=True,
            sqlite_where=text("kind = 'final'"),
            postgresql_where=text("kind = 'final'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("attempts.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[int] = mapped_column(ForeignKey("assessment_items.id"), index=True)
    kind: Mapped[SubmissionKind] = mapped_column(str_enum(SubmissionKind, "submission_kind"))
    files: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    draft_revision: Mapped[int | None]
    status: Mapped[SubmissionStatus] = mapped_column(
        str_enum(SubmissionStatus, "submission_status"), default=SubmissionStatus.QUEUED
    )
    lease_owner: Mapped[str | None] = mapped_column(String(160))
    # host:pid:thread of the worker whose result was stored (for operators and audits).
    graded_by: Mapped[str | None] = mapped_column(String(160))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    tries: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the row was last handed to the queue; the reaper re-enqueues work left waiting.
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # How the sandbox run ended: completed, timed_out, memory_exceeded, ...
    outcome: Mapped[str | None] = mapped_column(String(40))
    score: Mapped[float | None] = mapped_column(Float)
    max_score: Mapped[float | None] = mapped_column(Float)
    skill_scores: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    flags: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    error: Mapped[str | None] = mapped_column(Text)
    stdout_tail: Mapped[str] = mapped_column(Text, default="")
    stderr_tail: Mapped[str] = mapped_column(Text, default="")
    run_seconds: Mapped[float | None] = mapped_column(Float)

    attempt: Mapped[Attempt] = relationship()
    results: Mapped[list[TestResult]] = relationship(
        back_populates="submission", cascade="all, delete-orphan", order_by="TestResult.id"
    )


class TestResult(db.Model):
    __tablename__ = "test_results"
    __table_args__ = (UniqueConstraint("submission_id", "test_id"),)
    __test__ = False  # not a pytest test class

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    test_id: Mapped[str] = mapped_column(String(500))
    outcome: Mapped[str] = mapped_column(String(20))
    points: Mapped[float] = mapped_column(Float, default=0.0)
    max_points: Mapped[float] = mapped_column(Float, default=0.0)
    visibility: Mapped[str] = mapped_column(String(10))
    skill: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text, default="")
    duration_s: Mapped[float] = mapped_column(Float, default=0.0)

    submission: Mapped[Submission] = relationship(back_populates="results")
