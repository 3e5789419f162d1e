"""Invitations: tokens derived on demand and stored hashed, validity, duplicates, pinning."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from assessor.config import ConfigurationError, load
from assessor.extensions import db
from assessor.models import AssessmentStatus, AuditEvent, utcnow
from assessor.services.invitations import (
    AlreadyInvited,
    InvalidInvitation,
    InvalidToken,
    LinkUnavailable,
    NewInvitation,
    attempt_for_token,
    create_invitation,
    create_invitations,
    derive_token,
    hash_token,
    record_opened,
    token_of,
)
from tests.factories import make_assessment, make_attempt, make_user


@pytest.fixture
def assessment(ctx):
    return make_assessment(make_user())


def invite(assessment, email="ada@example.test", **fields):
    return create_invitation(NewInvitation(assessment.id, "Ada Lovelace", email, **fields))


def every_stored_value() -> str:
    """Return every value of every table as one text, to search for secrets."""
    chunks = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(text(f"SELECT * FROM {table.name}")):  # noqa: S608
            chunks.extend(str(value) for value in row)
    return "\n".join(chunks)


def test_the_token_is_derived_from_the_secret_and_only_its_hash_is_stored(assessment):
    attempt, token = invite(assessment)
    assert len(attempt.token_salt) == 32
    assert token == derive_token(attempt.id, attempt.token_salt)
    assert attempt.token_hash == hash_token(token)
    assert attempt_for_token(token).id == attempt.id
    assert token not in every_stored_value()


def test_copying_the_link_twice_gives_the_same_working_token(assessment):
    attempt, token = invite(assessment)
    first, second = token_of(attempt), token_of(attempt)
    assert first == second == token
    assert hash_token(first) == attempt.token_hash
    assert token not in every_stored_value()


def test_tokens_differ_between_attempts_and_are_urlsafe(assessment):
    (a, token_a), (b, token_b) = (invite(assessment, f"p{i}@example.test") for i in (1, 2))
    assert token_a != token_b and a.token_salt != b.token_salt
    assert len(token_a) == 43 and token_a.replace("-", "").replace("_", "").isalnum()


def test_a_changed_secret_key_cannot_recover_the_link_but_the_sent_link_still_works(
    app, assessment
):
    attempt, token = invite(assessment)
    app.config["SECRET_KEY"] = "another-secret-" + "y" * 32
    with pytest.raises(LinkUnavailable, match="SECRET_KEY changed"):
        token_of(attempt)
    assert attempt_for_token(token).id == attempt.id


def test_an_attempt_from_before_derivable_links_can_only_be_reissued(assessment):
    legacy = make_attempt(assessment, token="legacy-token")
    with pytest.raises(LinkUnavailable, match="re-issue"):
        token_of(legacy)
    assert attempt_for_token("legacy-token").id == legacy.id  # its link keeps working


def test_invitation_days_is_the_default_validity(app, assessment):
    app.config["INVITATION_DAYS"] = 3
    attempt, _ = invite(assessment)
    assert abs((attempt.expires_at - utcnow()) - timedelta(days=3)) < timedelta(minutes=1)
    explicit, _ = invite(assessment, "bo@example.test", valid_days=30)
    assert explicit.expires_at - utcnow() > timedelta(days=29)


@pytest.mark.parametrize("days", ["0", "366", "soon"])
def test_invitation_days_must_be_sensible(tmp_path, days):
    with pytest.raises(ConfigurationError, match="INVITATION_DAYS"):
        load(env={"INVITATION_DAYS": days}, instance_path=tmp_path)


def test_extra_minutes_are_kept(assessment):
    attempt, _ = invite(assessment, extra_minutes=45)
    assert attempt.extra_minutes == 45


@pytest.mark.parametrize(
    ("name", "email", "extra", "problem"),
    [
        ("", "a@example.test", 0, "name is empty"),
        ("Ada", "not-an-address", 0, "not an email address"),
        ("Ada", "a@example.test", -1, "extra time"),
        ("Ada", "a@example.test", 24 * 60 + 1, "extra time"),
        ("x" * 121, "a@example.test", 0, "longer than 120"),
    ],
)
def test_bad_details_are_refused(assessment, name, email, extra, problem):
    with pytest.raises(InvalidInvitation, match=problem):
        create_invitation(NewInvitation(assessment.id, name, email, extra))


def test_names_lose_control_characters_and_emails_their_case(assessment):
    attempt, _ = create_invitation(
        NewInvitation(assessment.id, "  Ada\n\tLovelace\x00 ", " Ada@Example.TEST ")
    )
    assert attempt.candidate_name == "Ada Lovelace"
    assert attempt.candidate_email == "ada@example.test"


def test_someone_already_invited_is_refused_until_revoked(assessment):
    from assessor.services import invitation_actions as actions

    attempt, _ = invite(assessment)
    with pytest.raises(AlreadyInvited, match=r"ada@example\.test"):
        invite(assessment, "ADA@example.test")
    actions.revoke(attempt.id, actions.Actor(None))
    again, _ = invite(assessment)
    assert again.id != attempt.id


def test_a_batch_is_all_or_nothing(assessment):
    batch = [
        NewInvitation(assessment.id, "Ada", "ada@example.test"),
        NewInvitation(assessment.id, "Bad", "nope"),
    ]
    with pytest.raises(InvalidInvitation):
        create_invitations(batch)
    db.session.rollback()
    assert db.session.scalar(select(db.func.count()).select_from(AuditEvent)) == 0
    db.session.refresh(assessment)
    assert assessment.pinned_at is None


@pytest.mark.parametrize("status", [AssessmentStatus.DRAFT, AssessmentStatus.ARCHIVED])
def test_only_an_active_assessment_takes_invitations(ctx, status):
    assessment = make_assessment(status=status)
    with pytest.raises(Exception, match="only an active assessment"):
        invite(assessment)


def test_the_first_invitation_pins_the_assessment_and_later_ones_keep_that_time(assessment):
    assert assessment.pinned_at is None
    invite(assessment)
    pinned = assessment.pinned_at
    assert pinned is not None
    invite(assessment, "bo@example.test")
    db.session.refresh(assessment)
    assert assessment.pinned_at == pinned


def test_creating_writes_an_audit_entry(assessment):
    actor = make_user()
    attempt, _ = create_invitation(
        NewInvitation(assessment.id, "Ada", "ada@example.test", 15), actor_id=actor.id, ip="1.2.3.4"
    )
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "invitation.create"))
    assert (event.actor_id, event.target_id, event.ip) == (actor.id, str(attempt.id), "1.2.3.4")
    assert event.data["extra_minutes"] == 15 and event.data["valid_days"] == 14


def test_the_pin_is_recorded_with_the_inviters_address_or_origin(assessment):
    actor = make_user()
    create_invitation(
        NewInvitation(assessment.id, "Ada", "ada@example.test"), actor_id=actor.id, ip="1.2.3.4"
    )
    other = make_assessment(actor)
    create_invitations([NewInvitation(other.id, "Bo", "bo@example.test")], via="cli")
    pins = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "assessment.pin").order_by(AuditEvent.id)
    ).all()
    assert [(e.actor_id, e.ip, e.data.get("via")) for e in pins] == [
        (actor.id, "1.2.3.4", None),
        (None, None, "cli"),
    ]


def test_opening_is_recorded_once(assessment):
    attempt, _ = invite(assessment)
    record_opened(attempt.id)
    db.session.refresh(attempt)
    first = attempt.opened_at
    assert first is not None
    record_opened(attempt.id)
    db.session.refresh(attempt)
    assert attempt.opened_at == first


@pytest.mark.parametrize("token", ["", "x" * 129, "forged"])
def test_unknown_tokens_are_invalid(assessment, token):
    invite(assessment)
    with pytest.raises(InvalidToken):
        attempt_for_token(token)
