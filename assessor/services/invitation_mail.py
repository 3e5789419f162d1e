"""Write and send a candidate's invitation email (plain text and HTML, from templates)."""

from __future__ import annotations

from datetime import datetime

from flask import render_template

from assessor.extensions import db
from assessor.models import Attempt, AttemptStatus, OutboxMessage, User
from assessor.services import mail
from assessor.services.invitations import candidate_link

PURPOSE = "invitation"


def minutes(n: int) -> str:
    """Return "1 minute" or "n minutes"."""
    return "1 minute" if n == 1 else f"{n} minutes"


def when(moment: datetime | None) -> str:
    """Return a moment as people read it in an email: "Tuesday 4 June 2024, 17:00 UTC"."""
    return f"{moment:%A} {moment.day} {moment:%B %Y, %H:%M} UTC" if moment else ""


def send_invitation(
    attempt: Attempt,
    token: str,
    base_url: str,
    *,
    sent_by_id: int | None = None,
    replaces_earlier: bool = False,
) -> OutboxMessage:
    """Email the candidate their link and record it in the outbox (never with the token)."""
    assessment = attempt.assessment
    inviter = db.session.get(User, attempt.invited_by_id) if attempt.invited_by_id else None
    link = candidate_link(base_url, token)
    started = attempt.status is AttemptStatus.STARTED
    context = {
        "name": attempt.candidate_name,
        "title": assessment.title,
        "inviter": inviter.name if inviter else None,
        "duration": minutes(assessment.duration_minutes),
        "extra": minutes(attempt.extra_minutes) if attempt.extra_minutes else None,
        "total": minutes(assessment.duration_minutes + attempt.extra_minutes),
        "expires": when(attempt.expires_at),
        "deadline": when(attempt.deadline_at),
        "started": started,
        "replaces_earlier": replaces_earlier,
        "link": link,
    }
    subject = f"Your link to {assessment.title}" if started else f"Invitation: {assessment.title}"
    return mail.send(
        PURPOSE,
        attempt.candidate_email,
        subject,
        render_template("email/invitation.txt", **context),
        render_template("email/invitation.html", **context),
        attempt_id=attempt.id,
        sent_by_id=sent_by_id,
        # The outbox is readable by staff who may not copy links, and backups outlive links.
        redact=[token],
    )
