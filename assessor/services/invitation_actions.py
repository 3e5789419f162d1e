"""What staff do with invitations: invite and email, copy, resend, re-issue, revoke, extend."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from assessor.extensions import db
from assessor.models import Attempt, AttemptStatus, MessageStatus, OutboxMessage, utcnow
from assessor.services import Conflict, DomainError, audit, mail
from assessor.services.deadlines import is_past_deadline, lapsed
from assessor.services.finalization import finalize_if_due
from assessor.services.invitation_mail import minutes, send_invitation, when
from assessor.services.invitations import (
    MAX_EXTRA_MINUTES,
    MAX_VALID_DAYS,
    NewInvitation,
    candidate_link,
    create_invitations,
    issue_token,
    token_of,
)
from assessor.services.submissions import load_attempt
from assessor.services.users import Actor  # who acts: a staff member, or a command (via)

# Which action an invitation allows in each state; the pages show exactly these buttons.
COPY, RESEND, REISSUE, REVOKE, EXTEND, ADD_TIME = (
    "copy",
    "resend",
    "reissue",
    "revoke",
    "extend",
    "add_time",
)


@dataclass(frozen=True)
class Invited:
    attempt_id: int
    name: str
    email: str
    link: str
    mail_status: str | None  # sent | not_sent | failed; None when no email was asked for
    mail_error: str | None


@dataclass(frozen=True)
class Extension:
    """Before the start: a new validity (days from now) and extra time; after: minutes added."""

    valid_days: int | None = None
    extra_minutes: int | None = None
    add_minutes: int | None = None


def allowed(attempt: Attempt, now: datetime | None = None) -> frozenset[str]:
    """Return the actions an invitation allows now."""
    now = now or utcnow()
    status, derivable = attempt.status, bool(attempt.token_salt)
    if status is AttemptStatus.REVOKED:
        return frozenset()
    actions = {REISSUE} | ({COPY} if derivable else set())
    if status is AttemptStatus.SUBMITTED:
        return frozenset(actions)
    actions.add(REVOKE)
    if lapsed(attempt, now):
        actions.add(EXTEND)
    elif status is AttemptStatus.INVITED:
        actions |= {EXTEND} | ({RESEND} if derivable else set())
    elif status is AttemptStatus.STARTED and not is_past_deadline(attempt, now):
        actions |= {ADD_TIME} | ({RESEND} if derivable else set())
    return frozenset(actions)


def invite(
    batch: Sequence[NewInvitation], base_url: str, actor: Actor, *, email: bool = True
) -> list[Invited]:
    """Create every invitation of the batch (or none), then email each candidate if asked."""
    created = create_invitations(batch, actor_id=actor.user_id, ip=actor.ip, via=actor.via)
    results = []
    with mail.batch():
        for attempt, token in created:
            sent = (
                send_invitation(attempt, token, base_url, sent_by_id=actor.user_id)
                if email
                else None
            )
            results.append(_invited(attempt, candidate_link(base_url, token), sent))
    return results


def copy_link(attempt_id: int, base_url: str, actor: Actor) -> str:
    """Return the candidate's current link, derived again from SECRET_KEY; audited."""
    attempt = load_attempt(attempt_id)
    _require(attempt, COPY)
    link = candidate_link(base_url, token_of(attempt))
    _record(actor, "invitation.link_copied", attempt)
    db.session.commit()
    return link


def resend(attempt_id: int, base_url: str, actor: Actor) -> Invited:
    """Email the candidate their current link again."""
    attempt = load_attempt(attempt_id)
    _require(attempt, RESEND)
    token = token_of(attempt)
    _record(actor, "invitation.resend", attempt)
    sent = send_invitation(attempt, token, base_url, sent_by_id=actor.user_id)  # commits both
    return _invited(attempt, candidate_link(base_url, token), sent)


def reissue(attempt_id: int, base_url: str, actor: Actor, *, email: bool) -> Invited:
    """Replace the link with a new one (the old one stops working); email it if asked."""
    attempt = load_attempt(attempt_id, lock=True)
    _require(attempt, REISSUE)
    token = issue_token(attempt)
    _record(actor, "invitation.reissue", attempt)
    db.session.commit()
    sent = None
    if email and RESEND in allowed(attempt):
        sent = send_invitation(
            attempt, token, base_url, sent_by_id=actor.user_id, replaces_earlier=True
        )
    return _invited(attempt, candidate_link(base_url, token), sent)


def revoke(attempt_id: int, actor: Actor) -> None:
    """Make the link dead for good; work saved so far is kept but never submitted."""
    attempt = load_attempt(attempt_id, lock=True)
    if attempt.status is AttemptStatus.REVOKED:
        db.session.rollback()
        return
    _require(attempt, REVOKE)
    previous = attempt.status.value
    attempt.status = AttemptStatus.REVOKED
    attempt.revoked_at = utcnow()
    _record(actor, "invitation.revoke", attempt, was=previous)
    db.session.commit()


def extend(attempt_id: int, change: Extension, actor: Actor) -> str:
    """Give more time: a later expiry before the start, more minutes after; say what changed."""
    finalize_if_due(attempt_id)  # a deadline that already passed ends the attempt first
    attempt = load_attempt(attempt_id, lock=True)
    now = utcnow()
    if ADD_TIME in allowed(attempt, now):
        return _add_time(attempt, change.add_minutes, actor)
    _require(attempt, EXTEND)
    days = change.valid_days
    if days is None or not 1 <= days <= MAX_VALID_DAYS:
        db.session.rollback()
        raise DomainError(f"Choose a validity of 1 to {MAX_VALID_DAYS} days from now.")
    extra = attempt.extra_minutes if change.extra_minutes is None else change.extra_minutes
    if not 0 <= extra <= MAX_EXTRA_MINUTES:
        db.session.rollback()
        raise DomainError(f"Extra time must be from 0 to {MAX_EXTRA_MINUTES} minutes.")
    before = {"expires_at": attempt.expires_at.isoformat(), "extra_minutes": attempt.extra_minutes}
    attempt.expires_at = now + timedelta(days=days)
    attempt.extra_minutes = extra
    attempt.status = AttemptStatus.INVITED  # an expired invitation opens again
    _record(
        actor,
        "invitation.extend",
        attempt,
        before=before,
        expires_at=attempt.expires_at.isoformat(),
        extra_minutes=extra,
    )
    db.session.commit()
    extra_note = f", with {minutes(extra)} of extra time" if extra else ""
    return f"The link now works until {when(attempt.expires_at)}{extra_note}."


def _add_time(attempt: Attempt, added: int | None, actor: Actor) -> str:
    room = MAX_EXTRA_MINUTES - attempt.extra_minutes
    if added is None or not 1 <= added <= room:
        db.session.rollback()
        raise DomainError(f"Add from 1 to {room} minutes to a running attempt.")
    before = attempt.deadline_at
    attempt.deadline_at = before + timedelta(minutes=added)
    attempt.extra_minutes += added
    _record(
        actor,
        "invitation.add_time",
        attempt,
        minutes=added,
        deadline_before=before.isoformat(),
        deadline_at=attempt.deadline_at.isoformat(),
    )
    db.session.commit()
    # The candidate's clock picks the new deadline up at its next sync (within a minute), and
    # the finalizer scheduled for the old one finds the attempt not yet due and leaves it.
    return f"Added {minutes(added)}: the deadline is now {when(attempt.deadline_at)}."


def _record(actor: Actor, action: str, attempt: Attempt, **data) -> None:
    audit.record(action, target=attempt, **actor.audit(), **data)


def _require(attempt: Attempt, action: str) -> None:
    if action in allowed(attempt):
        return
    db.session.rollback()
    raise Conflict(_why_not(attempt, action))


def _why_not(attempt: Attempt, action: str) -> str:
    status = attempt.status
    if status is AttemptStatus.REVOKED:
        return "This invitation was revoked; invite the candidate again if needed."
    if action in (COPY, RESEND) and not attempt.token_salt:
        return "This invitation's link cannot be recovered; re-issue it to get a new one."
    if status is AttemptStatus.SUBMITTED:
        return "The candidate has already submitted; the invitation can no longer change."
    if lapsed(attempt) and action in (RESEND, ADD_TIME):
        return "This invitation has expired: extend it first, then send it again."
    if action == ADD_TIME or (action == EXTEND and status is AttemptStatus.STARTED):
        return "The deadline has passed; the attempt is being submitted."
    return f"This cannot be done while the invitation is {status.value}."


def _invited(attempt: Attempt, link: str, sent: OutboxMessage | None) -> Invited:
    return Invited(
        attempt_id=attempt.id,
        name=attempt.candidate_name,
        email=attempt.candidate_email,
        link=link,
        mail_status=sent.status.value if sent else None,
        mail_error=sent.error if sent and sent.status is MessageStatus.FAILED else None,
    )
