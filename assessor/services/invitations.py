"""Invite candidates: one unguessable token, stored hashed, granting exactly one attempt."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from assessor.extensions import db
from assessor.models import Assessment, AssessmentStatus, Attempt, AttemptStatus, utcnow
from assessor.services import DomainError, NotFound, audit

TOKEN_BYTES = 32  # 256 bits: guessing a live link is infeasible even at high request rates
MAX_EXTRA_MINUTES = 24 * 60


class InvalidToken(NotFound):
    """The link is forged, mistyped or revoked."""


@dataclass(frozen=True)
class NewInvitation:
    assessment_id: int
    candidate_name: str
    candidate_email: str
    extra_minutes: int = 0
    valid_days: int = 14


def hash_token(token: str) -> str:
    """Return the stored form of an invitation token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_invitation(new: NewInvitation, *, actor_id: int | None = None) -> tuple[Attempt, str]:
    """Create an attempt and return it with its token, which is shown once and never stored."""
    assessment = db.session.get(Assessment, new.assessment_id)
    if assessment is None:
        raise NotFound(f"no assessment with id {new.assessment_id}")
    if assessment.status is not AssessmentStatus.ACTIVE:
        raise DomainError("only an active assessment can have invitations")
    if not new.candidate_name.strip() or "@" not in new.candidate_email:
        raise DomainError("a candidate needs a name and an email address")
    if not 0 <= new.extra_minutes <= MAX_EXTRA_MINUTES:
        raise DomainError(f"extra time must be between 0 and {MAX_EXTRA_MINUTES} minutes")
    if not 1 <= new.valid_days <= 365:
        raise DomainError("an invitation must be valid for 1 to 365 days")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    attempt = Attempt(
        assessment_id=assessment.id,
        candidate_name=new.candidate_name.strip(),
        candidate_email=new.candidate_email.strip().lower(),
        token_hash=hash_token(token),
        invited_by_id=actor_id,
        expires_at=utcnow() + timedelta(days=new.valid_days),
        extra_minutes=new.extra_minutes,
        status=AttemptStatus.INVITED,
    )
    db.session.add(attempt)
    db.session.flush()
    audit.record(
        "invitation.create",
        actor_id=actor_id,
        target=attempt,
        assessment_id=assessment.id,
        extra_minutes=new.extra_minutes,
    )
    db.session.commit()
    return attempt, token


def attempt_for_token(token: str) -> Attempt:
    """Return the attempt a token grants, or raise InvalidToken."""
    if not token or len(token) > 128:
        raise InvalidToken("This invitation link is not valid.")
    attempt = db.session.scalar(select(Attempt).where(Attempt.token_hash == hash_token(token)))
    if attempt is None or attempt.status is AttemptStatus.REVOKED:
        raise InvalidToken("This invitation link is not valid.")
    return attempt
