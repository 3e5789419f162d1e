"""What staff do with an invitation: copy, resend, re-issue, revoke, extend; each audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from assessor.extensions import db
from assessor.models import Attempt, AttemptStatus, AuditEvent, MessageStatus, OutboxMessage, utcnow
from assessor.services import Conflict, DomainError, attempts
from assessor.services import invitation_actions as actions
from assessor.services.invitations import (
    InvalidToken,
    NewInvitation,
    attempt_for_token,
    hash_token,
    issue_token,
)
from tests.factories import make_assessment, make_attempt, make_user

BASE = "https://assessor.example"


@pytest.fixture
def staff(ctx):
    return make_user()


@pytest.fixture
def actor(staff):
    return actions.Actor(staff.id, "10.0.0.1")


@pytest.fixture
def invited(staff, actor):
    assessment = make_assessment(staff, duration_minutes=60)
    [row] = actions.invite(
        [NewInvitation(assessment.id, "Ada Lovelace", "ada@example.test")], BASE, actor
    )
    return row


def audit_actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def attempt_of(row):
    return attempt_for_token(row.link.rsplit("/", 1)[1])


def test_invite_returns_the_link_and_records_the_unsent_email(invited):
    assert invited.link.startswith(f"{BASE}/a/")
    assert invited.mail_status == "not_sent"  # no MAIL_SERVER in tests
    message = db.session.scalar(select(OutboxMessage))
    assert message.attempt_id == invited.attempt_id and message.status is MessageStatus.NOT_SENT
    assert message.purpose == "invitation" and message.to_address == "ada@example.test"


def test_invite_without_email_sends_nothing(staff, actor):
    assessment = make_assessment(staff)
    [row] = actions.invite(
        [NewInvitation(assessment.id, "Bo", "bo@example.test")], BASE, actor, email=False
    )
    assert row.mail_status is None
    assert db.session.scalar(select(OutboxMessage)) is None


def test_copy_link_gives_the_same_link_each_time_and_is_audited(invited, actor):
    first = actions.copy_link(invited.attempt_id, BASE, actor)
    second = actions.copy_link(invited.attempt_id, BASE, actor)
    assert first == second == invited.link
    assert audit_actions().count("invitation.link_copied") == 2


def test_reissue_kills_the_old_link_and_the_new_one_copies_the_same(invited, actor):
    old_token = invited.link.rsplit("/", 1)[1]
    issued = actions.reissue(invited.attempt_id, BASE, actor, email=True)
    assert issued.link != invited.link
    with pytest.raises(InvalidToken):
        attempt_for_token(old_token)
    assert attempt_of(issued).id == invited.attempt_id
    assert actions.copy_link(invited.attempt_id, BASE, actor) == issued.link
    assert issued.mail_status == "not_sent"
    assert "invitation.reissue" in audit_actions()
    latest = db.session.scalar(select(OutboxMessage).order_by(OutboxMessage.id.desc()))
    assert "no longer works" in latest.body


def test_a_legacy_attempt_is_reissued_into_a_copyable_one(staff, actor):
    legacy = make_attempt(make_assessment(staff), token="legacy")
    assert actions.COPY not in actions.allowed(legacy)
    issued = actions.reissue(legacy.id, BASE, actor, email=False)
    assert actions.copy_link(legacy.id, BASE, actor) == issued.link
    with pytest.raises(InvalidToken):
        attempt_for_token("legacy")


def test_resend_emails_the_same_link_again(invited, actor):
    again = actions.resend(invited.attempt_id, BASE, actor)
    assert again.link == invited.link
    assert db.session.query(OutboxMessage).count() == 2
    assert "invitation.resend" in audit_actions()


def test_revoke_makes_the_link_dead_and_is_idempotent(invited, actor):
    token = invited.link.rsplit("/", 1)[1]
    actions.revoke(invited.attempt_id, actor)
    actions.revoke(invited.attempt_id, actor)
    with pytest.raises(InvalidToken):
        attempt_for_token(token)
    attempt = db.session.get(Attempt, invited.attempt_id)
    assert attempt.status is AttemptStatus.REVOKED and attempt.revoked_at is not None
    assert audit_actions().count("invitation.revoke") == 1
    assert actions.allowed(attempt) == frozenset()
    for act in (
        lambda: actions.copy_link(attempt.id, BASE, actor),
        lambda: actions.resend(attempt.id, BASE, actor),
        lambda: actions.reissue(attempt.id, BASE, actor, email=False),
        lambda: actions.extend(attempt.id, actions.Extension(valid_days=3), actor),
    ):
        with pytest.raises(Conflict, match="revoked"):
            act()


def test_a_submitted_attempt_cannot_be_revoked_or_extended(staff, actor):
    attempt = make_attempt(make_assessment(staff), status=AttemptStatus.SUBMITTED)
    with pytest.raises(Conflict, match="already submitted"):
        actions.revoke(attempt.id, actor)
    with pytest.raises(Conflict, match="already submitted"):
        actions.extend(attempt.id, actions.Extension(add_minutes=5), actor)


def test_extend_before_the_start_moves_the_expiry_and_sets_extra_time(invited, actor):
    message = actions.extend(
        invited.attempt_id, actions.Extension(valid_days=30, extra_minutes=20), actor
    )
    attempt = attempt_of(invited)
    assert attempt.expires_at - utcnow() > timedelta(days=29)
    assert attempt.extra_minutes == 20
    assert "20 minutes of extra time" in message
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "invitation.extend"))
    assert event.data["extra_minutes"] == 20 and "before" in event.data


def test_extend_reopens_an_expired_invitation(invited, actor):
    attempt = attempt_of(invited)
    attempt.expires_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    assert attempts.settle(attempt.id).status is AttemptStatus.EXPIRED
    assert actions.RESEND not in actions.allowed(attempt)
    actions.extend(attempt.id, actions.Extension(valid_days=2), actor)
    db.session.refresh(attempt)
    assert attempt.status is AttemptStatus.INVITED
    attempts.start(attempt.id)  # the candidate can start again


def test_extend_after_the_start_adds_minutes_to_the_deadline(invited, actor):
    attempt = attempts.start(invited.attempt_id)
    deadline = attempt.deadline_at
    message = actions.extend(attempt.id, actions.Extension(add_minutes=15), actor)
    db.session.refresh(attempt)
    assert attempt.deadline_at == deadline + timedelta(minutes=15)
    assert attempt.extra_minutes == 15
    assert "Added 15 minutes" in message
    assert "invitation.add_time" in audit_actions()


def test_adding_time_needs_a_sensible_number_of_minutes(invited, actor):
    attempts.start(invited.attempt_id)
    for minutes in (None, 0, 24 * 60 + 1):
        with pytest.raises(DomainError, match="Add from 1 to"):
            actions.extend(invited.attempt_id, actions.Extension(add_minutes=minutes), actor)


def test_a_deadline_already_passed_cannot_be_extended(invited, actor):
    attempt = attempts.start(invited.attempt_id)
    attempt.deadline_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    with pytest.raises(Conflict, match="already submitted"):
        actions.extend(attempt.id, actions.Extension(add_minutes=30), actor)
    db.session.refresh(attempt)
    assert attempt.status is AttemptStatus.SUBMITTED  # the sweep's work, done now


def test_revoking_a_started_attempt_keeps_it_from_being_submitted(invited, actor):
    attempt = attempts.start(invited.attempt_id)
    actions.revoke(attempt.id, actor)
    db.session.refresh(attempt)
    assert attempt.status is AttemptStatus.REVOKED
    from assessor.services.finalization import finalize_if_due

    assert finalize_if_due(attempt.id, utcnow() + timedelta(days=1)) is False


def test_the_command_line_is_named_in_the_audit_log(staff):
    assessment = make_assessment(staff)
    actions.invite(
        [NewInvitation(assessment.id, "Ada", "ada@example.test")],
        BASE,
        actions.Actor(None, via="cli"),
    )
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "invitation.create"))
    assert event.actor_id is None and event.data["via"] == "cli"


def test_issue_token_changes_the_stored_hash(invited):
    attempt = attempt_of(invited)
    before = attempt.token_hash
    token = issue_token(attempt)
    assert attempt.token_hash == hash_token(token) != before
