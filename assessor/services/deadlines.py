"""The server's clock decides what is late: one place answers "is this attempt open?"."""

from __future__ import annotations

from datetime import datetime, timedelta

from assessor.models import Attempt, AttemptStatus, utcnow
from assessor.services import Conflict

# Grace for a save or submit that left the browser just before the deadline and arrived after.
NETWORK_GRACE = timedelta(seconds=5)


class AttemptClosed(Conflict):
    """The attempt is not running: not started, submitted, expired or past its deadline."""


def is_open(attempt: Attempt, now: datetime | None = None, *, grace: bool = True) -> bool:
    """Tell whether the candidate may still write to the attempt."""
    now = now or utcnow()
    if attempt.status is not AttemptStatus.STARTED or attempt.deadline_at is None:
        return False
    limit = attempt.deadline_at + (NETWORK_GRACE if grace else timedelta(0))
    return now <= limit


def ensure_open(attempt: Attempt, now: datetime | None = None) -> None:
    """Raise AttemptClosed with a message the candidate can act on."""
    if is_open(attempt, now):
        return
    if attempt.status is AttemptStatus.INVITED:
        raise AttemptClosed("The assessment has not started yet.")
    if attempt.status is AttemptStatus.SUBMITTED:
        raise AttemptClosed("This assessment has already been submitted.")
    if attempt.status in (AttemptStatus.EXPIRED, AttemptStatus.REVOKED):
        raise AttemptClosed("This invitation is no longer valid.")
    raise AttemptClosed("Time is up: the deadline has passed and your work was submitted.")


def lapsed(attempt: Attempt, now: datetime | None = None) -> bool:
    """Tell whether the invitation can no longer start (expired, marked or not yet marked)."""
    if attempt.status is AttemptStatus.EXPIRED:
        return True
    return attempt.status is AttemptStatus.INVITED and (now or utcnow()) > attempt.expires_at


def deadline_for(attempt: Attempt, started_at: datetime) -> datetime:
    """Return start + duration + the candidate's extra minutes."""
    minutes = attempt.assessment.duration_minutes + attempt.extra_minutes
    return started_at + timedelta(minutes=minutes)


def is_past_deadline(attempt: Attempt, now: datetime | None = None) -> bool:
    """Tell whether a started attempt's deadline (with grace) has passed."""
    now = now or utcnow()
    return attempt.deadline_at is not None and now > attempt.deadline_at + NETWORK_GRACE
