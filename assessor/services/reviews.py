"""Write scorecards: rubric points, notes and a decision, saved as a draft or submitted.

Every change is audited in the same transaction. A submitted scorecard can still be corrected;
it stays submitted, and the audit entry lists what changed.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from assessor.extensions import db
from assessor.models import Attempt, AttemptStatus, Decision, Review, utcnow
from assessor.services import Conflict, DomainError, NotFound
from assessor.services.audit import record
from assessor.services.scorecards import ItemFacts, item_facts, rubric_total
from assessor.services.submissions import final_submission

MAX_NOTES_CHARS = 20_000


class ScorecardRejected(DomainError):
    """A scorecard with points out of range, unknown criteria, or missing scores on submit."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclasses.dataclass(frozen=True)
class ScoreInput:
    scores: Mapping[str, Mapping[str, float | None]]  # item id -> criterion id -> points
    notes: str = ""
    decision: str | None = None
    submit: bool = False


def save_scorecard(
    attempt_id: int, reviewer_id: int, data: ScoreInput, *, ip: str | None = None
) -> Review:
    """Save the reviewer's scorecard of an attempt as a draft, or submit it."""
    attempt = _submitted_attempt(attempt_id)
    items = {str(i.id): item_facts(i) for i in attempt.assessment.items}
    scores = _checked_scores(items, data.scores)
    decision = _decision(data.decision)
    if len(data.notes) > MAX_NOTES_CHARS:
        raise ScorecardRejected([f"notes are limited to {MAX_NOTES_CHARS:,} characters"])
    if data.submit:
        missing = _unscored(attempt, items.values(), scores)
        if missing:
            raise ScorecardRejected([f"score every criterion of {t!r} to submit" for t in missing])
    review = _own(attempt.id, reviewer_id)
    before = _snapshot(review)
    review.rubric_scores = scores
    review.notes = data.notes
    review.decision = decision
    was_submitted = review.submitted_at is not None
    if data.submit and not was_submitted:
        review.submitted_at = utcnow()
    action = (
        "review.update" if was_submitted else ("review.submit" if data.submit else "review.save")
    )
    db.session.flush()
    record(
        action,
        actor_id=reviewer_id,
        target=attempt,
        ip=ip,
        review_id=review.id,
        decision=decision.value if decision else None,
        changed=sorted(k for k, v in _snapshot(review).items() if before.get(k) != v),
    )
    db.session.commit()
    return review


def discard_draft(attempt_id: int, reviewer_id: int, *, ip: str | None = None) -> bool:
    """Delete the reviewer's draft scorecard; return False when there is none to delete.

    A submitted scorecard cannot be withdrawn: the decision it records stays on file.
    """
    review = db.session.scalar(
        select(Review).where(Review.attempt_id == attempt_id, Review.reviewer_id == reviewer_id)
    )
    if review is None:
        return False
    if review.submitted_at is not None:
        raise Conflict("A submitted scorecard stays on record; edit it instead.")
    attempt = db.session.get(Attempt, attempt_id)
    record("review.discard", actor_id=reviewer_id, target=attempt, ip=ip, review_id=review.id)
    db.session.delete(review)
    db.session.commit()
    return True


def _submitted_attempt(attempt_id: int) -> Attempt:
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None:
        raise NotFound("No such attempt.")
    if attempt.status is not AttemptStatus.SUBMITTED:
        raise Conflict("This candidate has not submitted yet: there is nothing to review.")
    return attempt


def _own(attempt_id: int, reviewer_id: int) -> Review:
    query = select(Review).where(Review.attempt_id == attempt_id, Review.reviewer_id == reviewer_id)
    review = db.session.scalar(query)
    if review is not None:
        return review
    review = Review(attempt_id=attempt_id, reviewer_id=reviewer_id, rubric_scores={}, notes="")
    db.session.add(review)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        # The same reviewer saved in another tab at the same moment: update that scorecard.
        return db.session.scalar(query)
    return review


def _checked_scores(items: Mapping[str, ItemFacts], given: Mapping) -> dict[str, dict[str, float]]:
    problems, clean = [], {}
    for item_id, points in given.items():
        item = items.get(str(item_id))
        if item is None or not item.criteria or not isinstance(points, Mapping):
            problems.append(f"challenge {item_id} has no rubric in this assessment")
            continue
        criteria = {c.id: c for c in item.criteria}
        for criterion_id, value in points.items():
            criterion = criteria.get(criterion_id)
            if criterion is None:
                problems.append(f"{item.title!r} has no criterion {criterion_id!r}")
            elif value is None:
                continue
            elif not _number(value) or not 0 <= value <= criterion.points:
                problems.append(
                    f"{criterion.title!r} takes 0 to {criterion.points:g} points, not {value!r}"
                )
            else:
                clean.setdefault(str(item.id), {})[criterion.id] = round(float(value), 2)
    if problems:
        raise ScorecardRejected(problems)
    return clean


def _unscored(attempt: Attempt, items, scores: dict) -> list[str]:
    """Return the manual challenges the candidate answered that the scores leave incomplete."""
    draft = Review(rubric_scores=scores)  # never added to the session: only read
    return [
        item.title
        for item in items
        if item.manual
        and item.criteria
        and final_submission(attempt.id, item.id) is not None
        and rubric_total(draft, item) is None
    ]


def _decision(value: str | None) -> Decision | None:
    if not value:
        return None
    try:
        return Decision(value)
    except ValueError:
        raise ScorecardRejected([f"unknown decision {value!r}"]) from None


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _snapshot(review: Review) -> dict:
    return {
        "scores": review.rubric_scores or {},
        "notes": review.notes or "",
        "decision": review.decision.value if review.decision else None,
    }
