"""The staff home page: the assessments a user may see, where their candidates stand, and
the candidates waiting for this user's review."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from sqlalchemy import func, select

from assessor.extensions import db
from assessor.models import Assessment, AssessmentStatus, Attempt, Challenge, User
from assessor.services.audience import audience_for
from assessor.services.permissions import Permission, can, visible_assessments_filter
from assessor.services.progress import rows_of

MAX_ASSESSMENTS = 50
MAX_TO_REVIEW = 20


@dataclasses.dataclass(frozen=True)
class AssessmentLine:
    id: int
    title: str
    duration_minutes: int
    status: str
    created_at: datetime
    counts: dict[str, int]  # dashboard status -> number of candidates
    candidates: int
    to_review: int  # submitted candidates without this user's submitted scorecard


@dataclasses.dataclass(frozen=True)
class ToReview:
    attempt_id: int
    candidate: str
    assessment_id: int
    assessment_title: str
    submitted_at: datetime | None
    draft: bool


@dataclasses.dataclass(frozen=True)
class StaffHome:
    assessments: list[AssessmentLine]
    archived: list[AssessmentLine]
    to_review: list[ToReview]
    challenge_count: int


def staff_home(user: User) -> StaffHome:
    """Summarize what a staff user may see: recent assessments and who waits for review."""
    lines: list[AssessmentLine] = []
    to_review: list[ToReview] = []
    if can(user, Permission.VIEW_ASSESSMENT):
        assessments = db.session.scalars(
            select(Assessment)
            .where(visible_assessments_filter(user))
            .order_by(Assessment.created_at.desc(), Assessment.id.desc())
            .limit(MAX_ASSESSMENTS)
        ).all()
        for assessment in assessments:
            line, waiting = _summarize(user, assessment)
            lines.append(line)
            to_review += waiting
    to_review.sort(key=lambda r: (r.submitted_at is None, r.submitted_at))
    challenge_count = db.session.scalar(
        select(func.count(Challenge.id)).where(Challenge.retired_at.is_(None))
    )
    archived = AssessmentStatus.ARCHIVED.value
    return StaffHome(
        assessments=[line for line in lines if line.status != archived],
        archived=[line for line in lines if line.status == archived],
        to_review=to_review[:MAX_TO_REVIEW],
        challenge_count=challenge_count,
    )


def _summarize(user: User, assessment: Assessment) -> tuple[AssessmentLine, list[ToReview]]:
    attempts = db.session.scalars(
        select(Attempt).where(Attempt.assessment_id == assessment.id).order_by(Attempt.id)
    ).all()
    rows = rows_of(assessment, list(attempts), audience_for(user, assessment))
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
    waiting = [
        ToReview(
            row.id,
            row.candidate_name,
            assessment.id,
            assessment.title,
            row.submitted_at,
            row.my_review == "draft",
        )
        for row in rows
        # Reviewable from submission on: a design answer needs no grading to be read.
        if row.attempt_status == "submitted" and row.my_review != "submitted"
    ]
    line = AssessmentLine(
        id=assessment.id,
        title=assessment.title,
        duration_minutes=assessment.duration_minutes,
        status=assessment.status.value,
        created_at=assessment.created_at,
        counts=counts,
        candidates=len(rows),
        to_review=len(waiting),
    )
    return line, waiting
