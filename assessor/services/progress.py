"""Where each candidate stands: status, scores per challenge and skill, total, decisions.

The one place that says what status an attempt is in, whether its grading is done and what its
total is: the dashboard, its live JSON, the report, the comparison and the export all read it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select

from assessor.extensions import db
from assessor.models import (
    Assessment,
    Attempt,
    AttemptStatus,
    Review,
    Submission,
    SubmissionKind,
    SubmissionStatus,
    utcnow,
)
from assessor.services import NotFound
from assessor.services.audience import EVERYONE, Audience
from assessor.services.scorecards import ItemFacts, item_facts, manual_percent, manual_points
from assessor.services.scoring import round_percent, weighted_percent

WAITING = (SubmissionStatus.QUEUED, SubmissionStatus.RUNNING)  # still held by the queue or a worker
DONE = (SubmissionStatus.GRADED, SubmissionStatus.ERROR)


@dataclasses.dataclass(frozen=True)
class ItemScore:
    item_id: int
    state: str  # a key of labels.ITEM_STATES
    percent: float | None


@dataclasses.dataclass(frozen=True)
class AttemptRow:
    id: int
    candidate_name: str
    candidate_email: str
    identity_hidden: bool
    status: str  # a key of labels.STATUSES
    attempt_status: str  # as stored: invited, started, submitted, expired, revoked
    invited_at: datetime
    opened_at: datetime | None
    started_at: datetime | None
    deadline_at: datetime | None
    submitted_at: datetime | None
    items: tuple[ItemScore, ...]
    percent: float | None  # the weighted total, exact; shown through scoring.round_percent
    total_state: str  # a key of labels.TOTALS
    skills: Mapping[str, tuple[float, float]]  # skill -> (points, out of)
    decisions: tuple[str, ...]  # the decisions this reader may see
    reviews_submitted: int  # every submitted scorecard, seen or not
    reviews_hidden: int  # submitted scorecards this reader may not see yet (blind review)
    my_review: str | None  # None, "draft" or "submitted"
    grading_pending: bool
    time_left_seconds: float | None
    time_used_seconds: float | None

    @property
    def has_report(self) -> bool:
        """Tell whether there is work to read: the candidate started."""
        return self.started_at is not None

    @property
    def shown_percent(self) -> int | None:
        return round_percent(self.percent)

    def skill_percent(self, skill: str) -> float | None:
        points, out_of = self.skills.get(skill, (0.0, 0.0))
        return 100.0 * points / out_of if out_of else None

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        for key, value in data.items():
            if isinstance(value, datetime):
                data[key] = value.isoformat()
        data["skills"] = {k: list(v) for k, v in self.skills.items()}
        return data


def grading_done(finals: Iterable[Submission | None]) -> bool:
    """Tell whether every challenge has a final submission that no worker still has to grade."""
    finals = list(finals)
    return bool(finals) and all(f is not None and f.status not in WAITING for f in finals)


def assessment_progress(
    assessment_id: int, audience: Audience = EVERYONE, *, now: datetime | None = None
) -> list[AttemptRow]:
    """Return one row per attempt of the assessment, oldest invitation first."""
    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None:
        raise NotFound("No such assessment.")
    attempts = db.session.scalars(
        select(Attempt).where(Attempt.assessment_id == assessment_id).order_by(Attempt.id)
    ).all()
    return rows_of(assessment, list(attempts), audience, now=now)


def attempt_progress(attempt: Attempt, audience: Audience = EVERYONE) -> AttemptRow:
    """Return the progress row of one attempt."""
    return rows_of(attempt.assessment, [attempt], audience)[0]


def rows_of(
    assessment: Assessment,
    attempts: list[Attempt],
    audience: Audience,
    *,
    now: datetime | None = None,
) -> list[AttemptRow]:
    """Build the rows of some attempts of one assessment, with a few queries for all of them."""
    now = now or utcnow()
    items = [item_facts(i) for i in assessment.items]
    finals, reviews = _load([a.id for a in attempts])
    return [_row(a, items, finals, reviews.get(a.id, []), audience, now) for a in attempts]


def _load(attempt_ids: list[int]) -> tuple[dict, dict[int, list[Review]]]:
    finals = db.session.scalars(
        select(Submission).where(
            Submission.attempt_id.in_(attempt_ids), Submission.kind == SubmissionKind.FINAL
        )
    ).all()
    by_review: dict[int, list[Review]] = {}
    for review in db.session.scalars(
        select(Review).where(Review.attempt_id.in_(attempt_ids)).order_by(Review.id)
    ):
        by_review.setdefault(review.attempt_id, []).append(review)
    return {(s.attempt_id, s.item_id): s for s in finals}, by_review


def _row(attempt, items, finals, reviews, audience: Audience, now) -> AttemptRow:
    own = next((r for r in reviews if r.reviewer_id == audience.user_id), None)
    seen = [r for r in audience.visible_reviews(reviews) if r.submitted_at is not None]
    submitted = [r for r in reviews if r.submitted_at is not None]
    scores, skills = [], {}
    for item in items:
        final = finals.get((attempt.id, item.id))
        score = _item_score(item, final, submitted, seen)
        scores.append(score)
        _add_skills(skills, item, final, seen if score.state == "reviewed" else [])
    total_state, percent = _total(attempt, items, scores)
    return AttemptRow(
        id=attempt.id,
        candidate_name=audience.candidate_name(attempt.id, attempt.candidate_name),
        candidate_email=audience.candidate_email(attempt.candidate_email),
        identity_hidden=not audience.sees_identity,
        status=_status(attempt, scores, submitted, now),
        attempt_status=attempt.status.value,
        invited_at=attempt.created_at,
        opened_at=attempt.opened_at,
        started_at=attempt.started_at,
        deadline_at=attempt.deadline_at,
        submitted_at=attempt.submitted_at,
        items=tuple(scores),
        percent=percent,
        total_state=total_state,
        skills=skills,
        decisions=tuple(r.decision.value for r in seen if r.decision),
        reviews_submitted=len(submitted),
        reviews_hidden=len(submitted) - len(seen),
        my_review=None if own is None else ("submitted" if own.submitted_at else "draft"),
        grading_pending=any(s.state in ("queued", "running") for s in scores),
        time_left_seconds=_time_left(attempt, now),
        time_used_seconds=_time_used(attempt, now),
    )


def _item_score(item: ItemFacts, final, submitted: list[Review], seen: list[Review]) -> ItemScore:
    if final is None:
        return ItemScore(item.id, "not_submitted", None)
    if item.manual:
        if manual_points(item, submitted) is None:
            return ItemScore(item.id, "pending_review", None)
        percent = manual_percent(item, seen)
        return ItemScore(item.id, "hidden" if percent is None else "reviewed", percent)
    if final.status is SubmissionStatus.GRADED and final.max_score:
        return ItemScore(item.id, "graded", 100.0 * final.score / final.max_score)
    return ItemScore(item.id, final.status.value, None)


def _add_skills(skills: dict, item: ItemFacts, final, seen: list[Review]) -> None:
    parts: dict[str, tuple[float, float]] = {}
    if item.manual:
        points = manual_points(item, seen)
        if points is not None:
            parts[item.skill] = (points, item.rubric_points)
    elif final is not None and final.status is SubmissionStatus.GRADED:
        for skill, bucket in (final.skill_scores or {}).items():
            parts[skill] = (float(bucket["score"]), float(bucket["max"]))
    for skill, (points, out_of) in parts.items():
        had = skills.get(skill, (0.0, 0.0))
        skills[skill] = (had[0] + points, had[1] + out_of)


# What keeps a total from being a number, most pressing first.
_BLOCKERS = (
    ("grading", ("queued", "running")),
    ("grading_failed", ("error",)),
    ("pending_review", ("pending_review",)),
    ("hidden", ("hidden",)),
)


def _total(attempt: Attempt, items: list[ItemFacts], scores: list[ItemScore]):
    if attempt.status is not AttemptStatus.SUBMITTED:
        return "none", None
    states = {s.state for s in scores}
    for total_state, blocking in _BLOCKERS:
        if states & set(blocking):
            return total_state, None
    percent = weighted_percent((i.weight, s.percent) for i, s in zip(items, scores, strict=True))
    return ("none", None) if percent is None else ("final", percent)


def _status(attempt: Attempt, scores: list[ItemScore], submitted: list[Review], now) -> str:
    if attempt.status is AttemptStatus.REVOKED or attempt.revoked_at is not None:
        return "revoked"
    if attempt.status is AttemptStatus.EXPIRED or (
        attempt.status is AttemptStatus.INVITED and now > attempt.expires_at
    ):
        return "expired"
    if attempt.status is AttemptStatus.INVITED:
        return "opened" if attempt.opened_at else "invited"
    if attempt.status is AttemptStatus.STARTED:
        return "in_progress"
    if any(r.decision for r in submitted):
        return "decided"
    if submitted:
        return "reviewed"
    states = [s.state for s in scores]
    if "error" in states:
        return "grading_failed"
    if "running" in states:
        return "grading"
    if "queued" in states:
        # Nothing picked up yet reads "submitted"; some done, some waiting reads "grading".
        return "grading" if any(s == "graded" for s in states) else "submitted"
    return "graded"


def _time_left(attempt: Attempt, now: datetime) -> float | None:
    if attempt.status is not AttemptStatus.STARTED or attempt.deadline_at is None:
        return None
    return (attempt.deadline_at - now).total_seconds()


def _time_used(attempt: Attempt, now: datetime) -> float | None:
    if attempt.started_at is None:
        return None
    end = attempt.submitted_at or (now if attempt.status is AttemptStatus.STARTED else None)
    return None if end is None else max((end - attempt.started_at).total_seconds(), 0.0)


def score_histogram(rows: list[AttemptRow], bins: int = 10) -> list[int]:
    """Count final totals into `bins` equal buckets from 0 to 100%, by the shown (rounded) total."""
    counts = [0] * bins
    for row in rows:
        if row.total_state == "final" and row.shown_percent is not None:
            counts[min(row.shown_percent * bins // 100, bins - 1)] += 1
    return counts
