"""End attempts: submit the latest draft of every challenge as final, exactly once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from assessor.extensions import db
from assessor.models import Attempt, AttemptEvent, AttemptStatus, Submission, utcnow
from assessor.services import NotFound
from assessor.services.deadlines import ensure_open, is_past_deadline
from assessor.services.submissions import (
    announce,
    create_final,
    final_submission,
    item_of,
    load_attempt,
)


def submit_item(attempt_id: int, item_id: int) -> Submission:
    """Submit one challenge as final while the attempt runs; a second call returns the first."""
    attempt = load_attempt(attempt_id, exclusive=True)
    ensure_open(attempt)
    item = item_of(attempt, item_id)
    submission, created = create_final(attempt, item)
    if created:
        db.session.add(AttemptEvent(attempt_id=attempt.id, item_id=item.id, kind="submit_item"))
    db.session.commit()
    if created:
        announce([submission])
    return submission


def finish_attempt(attempt_id: int, *, reason: str = "candidate") -> list[Submission]:
    """End the attempt: every challenge without a final submission gets one (idempotent).

    `reason` is "candidate" (they pressed Submit) or "deadline" (the server ended it).
    """
    attempt = load_attempt(attempt_id, exclusive=True)
    if attempt.status is AttemptStatus.SUBMITTED:
        db.session.rollback()
        return _finals(attempt)
    if attempt.status is not AttemptStatus.STARTED:
        db.session.rollback()
        raise NotFound("This attempt has not started.")
    if reason == "candidate":
        ensure_open(attempt)
    created = []
    for item in attempt.assessment.items:
        submission, new = create_final(attempt, item)
        if new:
            created.append(submission)
    now = utcnow()
    attempt.status = AttemptStatus.SUBMITTED
    # A deadline finalization is stamped at the deadline: a slow sweep must not look late.
    attempt.submitted_at = min(now, attempt.deadline_at) if reason == "deadline" else now
    db.session.add(AttemptEvent(attempt_id=attempt.id, kind="finish", data={"reason": reason}))
    db.session.commit()
    announce(created)
    return _finals(attempt)


def finalize_if_due(attempt_id: int, now: datetime | None = None) -> bool:
    """Finish the attempt if its deadline has passed; return whether it was finished now."""
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or attempt.status is not AttemptStatus.STARTED:
        return False
    if not is_past_deadline(attempt, now):
        return False
    finish_attempt(attempt_id, reason="deadline")
    return True


def sweep_expired(now: datetime | None = None) -> list[int]:
    """Finish every started attempt whose deadline has passed; return their ids."""
    now = now or utcnow()
    due = db.session.scalars(
        select(Attempt.id).where(Attempt.status == AttemptStatus.STARTED, Attempt.deadline_at < now)
    ).all()
    db.session.rollback()
    return [attempt_id for attempt_id in due if finalize_if_due(attempt_id, now)]


def _finals(attempt: Attempt) -> list[Submission]:
    return [
        s
        for item in attempt.assessment.items
        if (s := final_submission(attempt.id, item.id)) is not None
    ]
