"""Grading state for the UI: what a candidate may see, and what staff see."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from assessor.extensions import db
from assessor.kinds import Scoring
from assessor.models import AssessmentItem, Attempt, Submission, SubmissionKind, SubmissionStatus
from assessor.services.progress import DONE, grading_done
from assessor.services.submissions import final_submission

# All a candidate reads about a final submission: its state, in words. The run's detail, exit
# code, output, timing and counts all describe the hidden tests, so none of it leaves the server.
FINAL_NOTES = {
    SubmissionStatus.QUEUED: "received, waiting to be graded",
    SubmissionStatus.RUNNING: "being graded",
    SubmissionStatus.GRADED: "graded",
    SubmissionStatus.ERROR: "received; your interviewer will review it",
}
WAITING_NOTE = "received, waiting for the grading service"
REVIEW_NOTE = "received for review"


def queue_position(submission: Submission) -> int | None:
    """Return how many submissions wait ahead of this one, or None when it is not queued."""
    if submission.status is not SubmissionStatus.QUEUED:
        return None
    return db.session.scalar(
        select(func.count(Submission.id)).where(
            Submission.status == SubmissionStatus.QUEUED, Submission.id < submission.id
        )
    )


def final_note(submission: Submission) -> str:
    """Say where a final submission stands in a sentence that reveals nothing of its tests."""
    item = db.session.get(AssessmentItem, submission.item_id)
    if item.version.kind_plugin.scoring is Scoring.MANUAL:
        return REVIEW_NOTE
    if submission.status is SubmissionStatus.QUEUED and submission.error:
        return WAITING_NOTE  # handed back after an infrastructure failure; it will be retried
    return FINAL_NOTES[submission.status]


def submission_status(submission: Submission, *, for_candidate: bool) -> dict[str, Any]:
    """Describe a submission's grading state; candidates never see hidden tests or scores."""
    if for_candidate and submission.kind is SubmissionKind.FINAL:
        # Built from an allow-list, so a field added below for staff never reaches a candidate.
        return {
            "id": submission.id,
            "item_id": submission.item_id,
            "kind": submission.kind.value,
            "status": submission.status.value,
            "done": submission.status in DONE,
            "queue_position": queue_position(submission),
            "detail": final_note(submission),
            "created_at": submission.created_at.isoformat(),
        }
    data: dict[str, Any] = {
        "id": submission.id,
        "item_id": submission.item_id,
        "kind": submission.kind.value,
        "status": submission.status.value,
        "done": submission.status in DONE,
        "queue_position": queue_position(submission),
        "detail": submission.error or "",
        "tries": submission.tries,
        "created_at": submission.created_at.isoformat(),
        "finished_at": submission.finished_at.isoformat() if submission.finished_at else None,
    }
    if submission.status is SubmissionStatus.GRADED:
        visible = [r for r in submission.results if not for_candidate or r.visibility == "public"]
        data.update(
            outcome=submission.outcome,
            score=submission.score,
            max_score=submission.max_score,
            run_seconds=submission.run_seconds,
            stdout_tail=submission.stdout_tail,
            stderr_tail=submission.stderr_tail,
            tests=[
                {
                    "id": r.test_id,
                    "outcome": r.outcome,
                    "points": r.points,
                    "max_points": r.max_points,
                    "visibility": r.visibility,
                    "skill": r.skill,
                    "message": r.message,
                    "duration_s": r.duration_s,
                }
                for r in visible
            ],
        )
        if not for_candidate:
            data.update(skill_scores=submission.skill_scores, flags=submission.flags)
    return data


def attempt_status(attempt: Attempt, *, for_candidate: bool) -> dict[str, Any]:
    """Describe an attempt and the grading state of each challenge's final submission."""
    items, finals = [], []
    for item in attempt.assessment.items:
        final = final_submission(attempt.id, item.id)
        finals.append(final)
        items.append(
            {
                "item_id": item.id,
                "title": item.version.title,
                "kind": item.version.kind,
                "label": item.version.kind_plugin.label,
                "weight": item.weight,
                "final": submission_status(final, for_candidate=for_candidate) if final else None,
            }
        )
    return {
        "id": attempt.id,
        "status": attempt.status.value,
        "started_at": attempt.started_at.isoformat() if attempt.started_at else None,
        "deadline_at": attempt.deadline_at.isoformat() if attempt.deadline_at else None,
        "submitted_at": attempt.submitted_at.isoformat() if attempt.submitted_at else None,
        "grading_done": grading_done(finals),
        "items": items,
    }


def fresh_attempt_status(attempt_id: int) -> dict[str, Any]:
    """Read an attempt's staff status anew, holding no transaction open (for a polling stream)."""
    db.session.expire_all()
    try:
        return attempt_status(db.session.get(Attempt, attempt_id), for_candidate=False)
    finally:
        db.session.rollback()
