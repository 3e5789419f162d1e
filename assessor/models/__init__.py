"""The data model, one module per aggregate."""

from assessor.models.assessments import (
    Assessment,
    AssessmentItem,
    AssessmentShare,
    AssessmentStatus,
    ShareAccess,
)
from assessor.models.attempts import Attempt, AttemptEvent, AttemptStatus, Draft, DraftSnapshot
from assessor.models.audit import AuditEvent
from assessor.models.challenges import Challenge, ChallengeVersion, Difficulty
from assessor.models.mail import MessageStatus, OutboxMessage
from assessor.models.reviews import Decision, Review
from assessor.models.submissions import Submission, SubmissionKind, SubmissionStatus, TestResult
from assessor.models.types import utcnow
from assessor.models.users import PasswordReset, Role, User

__all__ = [
    "Assessment",
    "AssessmentItem",
    "AssessmentShare",
    "AssessmentStatus",
    "Attempt",
    "AttemptEvent",
    "AttemptStatus",
    "AuditEvent",
    "Challenge",
    "ChallengeVersion",
    "Decision",
    "Difficulty",
    "Draft",
    "DraftSnapshot",
    "MessageStatus",
    "OutboxMessage",
    "PasswordReset",
    "Review",
    "Role",
    "ShareAccess",
    "Submission",
    "SubmissionKind",
    "SubmissionStatus",
    "TestResult",
    "User",
    "utcnow",
]
