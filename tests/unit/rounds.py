"""A hiring round in rows: a code and a design challenge, candidates, scorecards."""

from __future__ import annotations

from datetime import timedelta

from assessor.extensions import db
from assessor.models import (
    AssessmentShare,
    AttemptStatus,
    Decision,
    Review,
    Role,
    ShareAccess,
    Submission,
    SubmissionKind,
    SubmissionStatus,
    utcnow,
)
from tests.factories import make_assessment, make_attempt, make_user, make_version

RUBRIC = [
    {"id": "data-model", "title": "Data model", "points": 4, "guidance": "Keys, expiry."},
    {"id": "scaling", "title": "Scaling", "points": 6, "guidance": "Shards, caches."},
]


class Round:
    """An assessment (code weight 1, design weight 1) owned by `owner`, shared with a viewer
    and an editor; `admin` and `stranger` exist too."""

    def __init__(self, *, blind: bool = False, hide_identity: bool = False) -> None:
        self.owner = make_user(Role.INTERVIEWER)
        self.viewer = make_user(Role.INTERVIEWER)
        self.second = make_user(Role.INTERVIEWER)  # a second viewer: another reviewer
        self.editor = make_user(Role.INTERVIEWER)
        self.admin = make_user(Role.ADMIN)
        self.stranger = make_user(Role.INTERVIEWER)
        code = make_version(skills=["api-design"])
        design = make_version(
            kind="design",
            manifest=[],
            files={"starter": {"answer.md": "# Answer\n"}, "tests": {}},
            meta={"editable": ["answer.md"]},
            skills=["system-design"],
        )
        design.rubric = RUBRIC
        self.assessment = make_assessment(self.owner, versions=[code, design])
        self.assessment.blind_review = blind
        self.assessment.hide_identity = hide_identity
        self.code, self.design = self.assessment.items
        db.session.add_all(
            [
                AssessmentShare(assessment_id=self.assessment.id, user_id=self.viewer.id),
                AssessmentShare(assessment_id=self.assessment.id, user_id=self.second.id),
                AssessmentShare(
                    assessment_id=self.assessment.id,
                    user_id=self.editor.id,
                    access=ShareAccess.EDITOR,
                ),
            ]
        )
        db.session.commit()

    def candidate(self, name: str = "Ada Lovelace", *, status=AttemptStatus.SUBMITTED):
        """Invite a candidate; a started or submitted one began 40 minutes ago."""
        attempt = make_attempt(self.assessment, status=status)
        attempt.candidate_name = name
        attempt.candidate_email = name.split()[0].lower() + "@candidates.test"
        if status in (AttemptStatus.STARTED, AttemptStatus.SUBMITTED):
            attempt.started_at = utcnow() - timedelta(minutes=40)
            attempt.deadline_at = attempt.started_at + timedelta(minutes=60)
        if status is AttemptStatus.SUBMITTED:
            attempt.submitted_at = attempt.started_at + timedelta(minutes=35)
        db.session.commit()
        return attempt

    def graded(self, attempt, score: float, max_score: float = 4.0, *, answer: str = "# Plan"):
        """Give the attempt a graded code final and a design answer waiting for review."""
        db.session.add_all(
            [
                Submission(
                    attempt_id=attempt.id,
                    item_id=self.code.id,
                    kind=SubmissionKind.FINAL,
                    status=SubmissionStatus.GRADED,
                    outcome="completed",
                    score=score,
                    max_score=max_score,
                    skill_scores={"api-design": {"score": score, "max": max_score}},
                    files={"solution.py": "def f():\n    return 1\n"},
                ),
                Submission(
                    attempt_id=attempt.id,
                    item_id=self.design.id,
                    kind=SubmissionKind.FINAL,
                    status=SubmissionStatus.GRADED,
                    outcome="manual_review",
                    files={"answer.md": answer},
                ),
            ]
        )
        db.session.commit()

    def review(self, attempt, reviewer, data_model, scaling, decision=None, *, submit=True):
        """Store a scorecard directly (the service has its own tests)."""
        review = Review(
            attempt_id=attempt.id,
            reviewer_id=reviewer.id,
            rubric_scores={str(self.design.id): {"data-model": data_model, "scaling": scaling}},
            notes=f"Notes by {reviewer.name}",
            decision=Decision(decision) if decision else None,
            submitted_at=utcnow() if submit else None,
        )
        db.session.add(review)
        db.session.commit()
        return review
