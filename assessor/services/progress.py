"""Progress for staff: the home page's summary, and every attempt of an assessment."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from assessor.extensions import db
from assessor.models import (
    Assessment,
    Attempt,
    Challenge,
    Submission,
    SubmissionKind,
    SubmissionStatus,
    User,
)
from assessor.services import NotFound
from assessor.services.permissions import Permission, can, visible_assessments_filter
from assessor.services.scoring import weighted_percent


@dataclasses.dataclass(frozen=True)
class ItemScore:
    item_id: int
    state: str  # not_submitted | queued | running | graded | error | manual_review
    percent: float | None


@dataclasses.dataclass(frozen=True)
class AttemptRow:
    id: int
    candidate_name: str
    candidate_email: str
    status: str
    started_at: datetime | None
    deadline_at: datetime | None
    submitted_at: datetime | None
    items: tuple[ItemScore, ...]
    percent: float | None
    grading_pending: bool

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        for key in ("started_at", "deadline_at", "submitted_at"):
            data[key] = data[key].isoformat() if data[key] else None
        return data


def _item_score(submission: Submission | None) -> tuple[str, float | None]:
    if submission is None:
        return "not_submitted", None
    if submission.outcome == "manual_review":
        return "manual_review", None
    if submission.status is SubmissionStatus.GRADED and submission.max_score:
        return "graded", 100.0 * submission.score / submission.max_score
    return submission.status.value, None


def assessment_progress(assessment_id: int) -> list[AttemptRow]:
    """Return one row per attempt, with each challenge's state and the weighted total."""
    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None:
        raise NotFound("No such assessment.")
    attempts = db.session.scalars(
        select(Attempt).where(Attempt.assessment_id == assessment_id).order_by(Attempt.id)
    ).all()
    return _rows(assessment, attempts)


def attempt_progress(attempt: Attempt) -> AttemptRow:
    """Return the progress row of one attempt."""
    return _rows(attempt.assessment, [attempt])[0]


def _rows(assessment: Assessment, attempts: list[Attempt]) -> list[AttemptRow]:
    finals = db.session.scalars(
        select(Submission).where(
            Submission.attempt_id.in_([a.id for a in attempts]),
            Submission.kind == SubmissionKind.FINAL,
        )
    ).all()
    by_key = {(s.attempt_id, s.item_id): s for s in finals}
    rows = []
    for attempt in attempts:
        items, parts = [], []
        for item in assessment.items:
            state, percent = _item_score(by_key.get((attempt.id, item.id)))
            items.append(ItemScore(item.id, state, percent))
            if state != "manual_review":
                parts.append((item.weight, percent))
        pending = any(i.state in ("queued", "running") for i in items)
        rows.append(
            AttemptRow(
                id=attempt.id,
                candidate_name=attempt.candidate_name,
                candidate_email=attempt.candidate_email,
                status=attempt.status.value,
                started_at=attempt.started_at,
                deadline_at=attempt.deadline_at,
                submitted_at=attempt.submitted_at,
                items=tuple(items),
                percent=None if pending else weighted_percent(parts),
                grading_pending=pending,
            )
        )
    return rows


def score_histogram(rows: list[AttemptRow], bins: int = 10) -> list[int]:
    """Count finished attempts' totals into `bins` equal buckets from 0 to 100%."""
    counts = [0] * bins
    for row in rows:
        if row.percent is not None and row.status == "submitted":
            counts[min(int(row.percent * bins / 100), bins - 1)] += 1
    return counts


@dataclasses.dataclass(frozen=True)
class StaffHome:
    assessments: list[Assessment]
    counts: dict[int, dict[str, int]]  # assessment id -> attempt status -> number
    challenge_count: int


def staff_home(user: User) -> StaffHome:
    """Summarize what a staff user may see: recent assessments and their attempts by status."""
    assessments: list[Assessment] = []
    counts: dict[int, dict[str, int]] = {}
    if can(user, Permission.VIEW_ASSESSMENT):
        assessments = list(
            db.session.scalars(
                select(Assessment)
                .where(visible_assessments_filter(user))
                .order_by(Assessment.created_at.desc())
                .limit(50)
            )
        )
        rows = db.session.execute(
            select(Attempt.assessment_id, Attempt.status, func.count())
            .where(Attempt.assessment_id.in_([a.id for a in assessments]))
            .group_by(Attempt.assessment_id, Attempt.status)
        )
        for assessment_id, status, n in rows:
            counts.setdefault(assessment_id, {})[status.value] = n
    challenge_count = db.session.scalar(
        select(func.count(Challenge.id)).where(Challenge.retired_at.is_(None))
    )
    return StaffHome(assessments, counts, challenge_count)
