"""What the invitation pages show: plain rows built from attempts, their outbox and actions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from assessor.extensions import db
from assessor.models import Assessment, Attempt, AttemptStatus, OutboxMessage, User, utcnow
from assessor.services import mail
from assessor.services.audience import candidate_label
from assessor.services.deadlines import lapsed
from assessor.services.invitation_actions import allowed
from assessor.services.invitations import default_days
from assessor.services.labels import STATUSES


@dataclass(frozen=True)
class InvitationRow:
    id: int
    candidate_name: str
    candidate_email: str
    state: str  # invited, opened, expired, in_progress, submitted or revoked (labels.STATUSES)
    label: str
    tone: str
    invited_at: datetime
    invited_by: str | None
    opened_at: datetime | None
    expires_at: datetime
    started_at: datetime | None
    deadline_at: datetime | None
    submitted_at: datetime | None
    revoked_at: datetime | None
    extra_minutes: int
    link_recoverable: bool
    messages: int
    last_mail_status: str | None
    actions: frozenset[str]


@dataclass(frozen=True)
class AssessmentSummary:
    id: int
    title: str
    status: str
    duration_minutes: int
    pinned_at: datetime | None
    default_days: int
    mail_configured: bool
    mail_sender: str


def summary(assessment_id: int) -> AssessmentSummary:
    """Describe the assessment as the invitation pages need it."""
    assessment = db.session.get(Assessment, assessment_id)
    return AssessmentSummary(
        id=assessment.id,
        title=assessment.title,
        status=assessment.status.value,
        duration_minutes=assessment.duration_minutes,
        pinned_at=assessment.pinned_at,
        default_days=default_days(),
        mail_configured=mail.configured(),
        mail_sender=mail.sender(),
    )


def state_of(attempt: Attempt, now: datetime | None = None) -> str:
    """Return where the invitation stands, counting a lapsed one as expired before it is marked."""
    if lapsed(attempt, now):
        return "expired"
    if attempt.status is AttemptStatus.INVITED:
        return "opened" if attempt.opened_at else "invited"
    if attempt.status is AttemptStatus.STARTED:
        return "in_progress"
    return attempt.status.value


def invitation_rows(assessment_id: int, *, anonymous: bool = False) -> list[InvitationRow]:
    """Return every invitation of an assessment, newest first.

    `anonymous` replaces names and emails by "Candidate <id>" (audience.candidate_label), for
    reviewers of an assessment that hides identities.
    """
    attempts = db.session.scalars(
        select(Attempt).where(Attempt.assessment_id == assessment_id).order_by(Attempt.id.desc())
    ).all()
    return _rows(attempts, anonymous)


def invitation_row(attempt_id: int, *, anonymous: bool = False) -> InvitationRow:
    """Return one invitation's row."""
    return _rows([db.session.get(Attempt, attempt_id)], anonymous)[0]


def _rows(attempts: list[Attempt], anonymous: bool) -> list[InvitationRow]:
    ids = [a.id for a in attempts]
    inviters = _names({a.invited_by_id for a in attempts if a.invited_by_id})
    counts, last = _mail_summary(ids)
    now = utcnow()
    rows = []
    for a in attempts:
        state = state_of(a, now)
        rows.append(
            InvitationRow(
                id=a.id,
                candidate_name=candidate_label(a.id) if anonymous else a.candidate_name,
                candidate_email="" if anonymous else a.candidate_email,
                state=state,
                label=STATUSES[state].text,
                tone=STATUSES[state].tone,
                invited_at=a.created_at,
                invited_by=inviters.get(a.invited_by_id),
                opened_at=a.opened_at,
                expires_at=a.expires_at,
                started_at=a.started_at,
                deadline_at=a.deadline_at,
                submitted_at=a.submitted_at,
                revoked_at=a.revoked_at,
                extra_minutes=a.extra_minutes,
                link_recoverable=bool(a.token_salt),
                messages=counts.get(a.id, 0),
                last_mail_status=last.get(a.id),
                actions=allowed(a, now),
            )
        )
    return rows


def _names(user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(user_ids))).all())


def _mail_summary(attempt_ids: list[int]) -> tuple[dict[int, int], dict[int, str]]:
    if not attempt_ids:
        return {}, {}
    per_attempt = (
        select(
            OutboxMessage.attempt_id,
            func.count(OutboxMessage.id),
            func.max(OutboxMessage.id),
        )
        .where(OutboxMessage.attempt_id.in_(attempt_ids))
        .group_by(OutboxMessage.attempt_id)
    )
    counts, latest = {}, {}
    for attempt_id, count, newest in db.session.execute(per_attempt):
        counts[attempt_id], latest[newest] = count, attempt_id
    statuses = db.session.execute(
        select(OutboxMessage.id, OutboxMessage.status).where(OutboxMessage.id.in_(list(latest)))
    )
    return counts, {latest[i]: status.value for i, status in statuses}
