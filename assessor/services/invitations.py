"""Invite candidates: one unguessable token per attempt, derived again on demand, stored hashed."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import bindparam, func, select, update

from assessor.extensions import db
from assessor.models import Assessment, AssessmentStatus, Attempt, AttemptStatus, utcnow
from assessor.services import Conflict, DomainError, NotFound, assessments, audit

MAX_EXTRA_MINUTES = 24 * 60
MAX_VALID_DAYS = 365
MAX_NAME_CHARS = 120
MAX_EMAIL_CHARS = 254
# A pragmatic address check: one @, no spaces, a dotted domain. Delivery is the real test.
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Separates invitation tokens from anything else ever derived from SECRET_KEY.
TOKEN_CONTEXT = "assessor/invitation/v1"  # noqa: S105 - a label, not a secret


class InvalidToken(NotFound):
    """The link is forged, mistyped or revoked."""


class LinkUnavailable(Conflict):
    """The link cannot be derived again (issued before derivable links, or SECRET_KEY changed)."""


class AlreadyInvited(Conflict):
    """The email already holds a live invitation to this assessment."""


class InvalidInvitation(DomainError):
    """The candidate's details are not acceptable."""


@dataclass(frozen=True)
class NewInvitation:
    assessment_id: int
    candidate_name: str
    candidate_email: str
    extra_minutes: int = 0
    valid_days: int | None = None  # None: the INVITATION_DAYS setting


def hash_token(token: str) -> str:
    """Return the stored form of an invitation token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def derive_token(attempt_id: int, salt: str) -> str:
    """Return the token of an attempt: an HMAC of SECRET_KEY over its id and salt (urlsafe)."""
    key = current_app.config["SECRET_KEY"].encode("utf-8")
    message = f"{TOKEN_CONTEXT}:{attempt_id}:{salt}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def default_days() -> int:
    """Return how long a new invitation stays valid unless told otherwise (INVITATION_DAYS)."""
    return current_app.config["INVITATION_DAYS"]


def candidate_link(base_url: str, token: str) -> str:
    """Return the candidate's URL for a token."""
    return f"{base_url.rstrip('/')}/a/{token}"


def issue_token(attempt: Attempt) -> str:
    """Give a flushed attempt a new salt and return its token (the previous one stops working)."""
    attempt.token_salt = secrets.token_hex(16)
    token = derive_token(attempt.id, attempt.token_salt)
    attempt.token_hash = hash_token(token)
    return token


def token_of(attempt: Attempt) -> str:
    """Derive the attempt's current token again, or raise LinkUnavailable."""
    if not attempt.token_salt:
        raise LinkUnavailable(
            "This invitation was created before links could be copied again: re-issue it to "
            "get a new link (the old one then stops working)."
        )
    token = derive_token(attempt.id, attempt.token_salt)
    if not hmac.compare_digest(hash_token(token), attempt.token_hash):
        raise LinkUnavailable(
            "The link cannot be recovered because the server's SECRET_KEY changed since it was "
            "issued. The link already sent still works; re-issue it to get one you can copy."
        )
    return token


def clean_name(name: str) -> str:
    """Return the name on one line with single spaces (no control characters)."""
    return " ".join("".join(c if c.isprintable() else " " for c in name).split())


def problems_of(new: NewInvitation) -> list[str]:
    """Return what is wrong with a candidate's details, in words; empty when valid."""
    problems = []
    name, email = clean_name(new.candidate_name), new.candidate_email.strip()
    if not name:
        problems.append("the name is empty")
    elif len(name) > MAX_NAME_CHARS:
        problems.append(f"the name is longer than {MAX_NAME_CHARS} characters")
    if not email:
        problems.append("the email address is empty")
    elif len(email) > MAX_EMAIL_CHARS or not EMAIL.match(email):
        problems.append(f"{email[:80]!r} is not an email address")
    if not 0 <= new.extra_minutes <= MAX_EXTRA_MINUTES:
        problems.append(f"extra time must be from 0 to {MAX_EXTRA_MINUTES} minutes")
    days = default_days() if new.valid_days is None else new.valid_days
    if not 1 <= days <= MAX_VALID_DAYS:
        problems.append(f"an invitation must be valid for 1 to {MAX_VALID_DAYS} days")
    return problems


def live_invitations(assessment_id: int, emails: Sequence[str]) -> dict[str, Attempt]:
    """Return the attempts (not revoked) that the given emails already hold, by email."""
    wanted = {e.strip().lower() for e in emails}
    if not wanted:
        return {}
    rows = db.session.scalars(
        select(Attempt).where(
            Attempt.assessment_id == assessment_id,
            func.lower(Attempt.candidate_email).in_(wanted),
            Attempt.status != AttemptStatus.REVOKED,
        )
    )
    return {a.candidate_email.lower(): a for a in rows}


def inviting_assessment(assessment_id: int) -> Assessment:
    """Return the assessment if it can take invitations, or raise with the reason."""
    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None:
        raise NotFound(f"no assessment with id {assessment_id}")
    if assessment.status is not AssessmentStatus.ACTIVE:
        raise DomainError(
            f"This assessment is {assessment.status.value}: only an active assessment can have "
            "invitations."
        )
    return assessment


def create_invitations(
    batch: Sequence[NewInvitation],
    *,
    actor_id: int | None = None,
    ip: str | None = None,
    via: str | None = None,
) -> list[tuple[Attempt, str]]:
    """Invite every candidate of the batch, or none: one transaction; return (attempt, token)."""
    ids = {new.assessment_id for new in batch}
    if len(ids) != 1:
        raise DomainError("a batch of invitations is for exactly one assessment")
    assessment = inviting_assessment(ids.pop())
    for new in batch:
        if problems := problems_of(new):
            raise InvalidInvitation(f"{new.candidate_email}: {'; '.join(problems)}")
    emails = [new.candidate_email.strip().lower() for new in batch]
    if len(set(emails)) != len(emails):
        raise InvalidInvitation("the same email address appears twice")
    if taken := live_invitations(assessment.id, emails):
        raise AlreadyInvited(f"already invited to this assessment: {', '.join(sorted(taken))}")
    # From the first invitation on, every candidate gets the same challenges and versions.
    assessments.pin(assessment.id, actor_id=actor_id, ip=ip, via=via, commit=False)
    created = []
    now = utcnow()
    for new, email in zip(batch, emails, strict=True):
        days = default_days() if new.valid_days is None else new.valid_days
        attempt = Attempt(
            assessment_id=assessment.id,
            candidate_name=clean_name(new.candidate_name),
            candidate_email=email,
            # Unique and never a SHA-256 hex digest: replaced once the row has its id.
            token_hash=f"pending:{secrets.token_hex(24)}",
            invited_by_id=actor_id,
            created_at=now,
            expires_at=now + timedelta(days=days),
            extra_minutes=new.extra_minutes,
            status=AttemptStatus.INVITED,
        )
        db.session.add(attempt)
        db.session.flush()
        token = issue_token(attempt)
        audit.record(
            "invitation.create",
            actor_id=actor_id,
            target=attempt,
            ip=ip,
            assessment_id=assessment.id,
            email=email,
            extra_minutes=new.extra_minutes,
            valid_days=days,
            **({"via": via} if via else {}),
        )
        created.append((attempt, token))
    db.session.commit()
    return created


def create_invitation(
    new: NewInvitation, *, actor_id: int | None = None, ip: str | None = None
) -> tuple[Attempt, str]:
    """Invite one candidate; return the attempt and its token (derivable again later)."""
    return create_invitations([new], actor_id=actor_id, ip=ip)[0]


# Built once: every request of a candidate looks its token up.
_BY_TOKEN = select(Attempt).where(Attempt.token_hash == bindparam("hash"))


def attempt_for_token(token: str) -> Attempt:
    """Return the attempt a token grants, or raise InvalidToken."""
    if not token or len(token) > 128:
        raise InvalidToken("This invitation link is not valid.")
    attempt = db.session.scalar(_BY_TOKEN, {"hash": hash_token(token)})
    # A revoked link reads exactly like one that never existed: nothing about it leaks.
    if attempt is None or attempt.status is AttemptStatus.REVOKED:
        raise InvalidToken("This invitation link is not valid.")
    return attempt


def record_opened(attempt_id: int) -> None:
    """Note when the candidate first opened their link (later visits change nothing)."""
    result = db.session.execute(
        update(Attempt)
        .where(Attempt.id == attempt_id, Attempt.opened_at.is_(None))
        .values(opened_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if result.rowcount:
        db.session.commit()
    else:
        db.session.rollback()
