"""One-time set-password links: invitations of staff and resets, stored only as hashes."""

import email
import socket
from datetime import timedelta
from email.policy import default as email_policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select, text

from assessor.extensions import db
from assessor.models import AuditEvent, MessageStatus, OutboxMessage, PasswordReset, Role, utcnow
from assessor.services import password_links, staff_roles, users
from assessor.services.password_links import InvalidLink, hash_token
from assessor.services.passwords import WeakPassword
from assessor.services.users import Actor
from tests.factories import TEST_PASSWORD, make_user

NEW = "plum kettle orbit seventy"


def link_for(token):
    return f"http://assessor.test/password/{token}"


def token_of(issued):
    return issued.url.rsplit("/", 1)[1]


@pytest.fixture
def admin(ctx):
    return make_user(Role.ADMIN)


def test_an_invited_member_has_no_password_until_they_set_one(admin):
    issued = password_links.invite(
        "New@Example.test", "Nia New", "author", link_for=link_for, by=Actor(admin.id)
    )
    user = users.get_by_email("new@example.test")
    assert user.role is Role.AUTHOR and user.password_hash == users.NO_PASSWORD
    assert users.authenticate("new@example.test", "") is None
    assert not issued.emailed and issued.delivery == "not_sent"  # no SMTP configured
    assert issued.expires_at - utcnow() > timedelta(days=6)

    holder = password_links.holder(token_of(issued))
    assert (holder.email, holder.first_time) == ("new@example.test", True)
    password_links.redeem(token_of(issued), NEW)
    assert users.authenticate("new@example.test", NEW) is not None
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["user.invite", "auth.login_failed", "user.password_set", "auth.login"]


def test_the_token_is_stored_only_as_its_hash_and_withheld_from_the_outbox(admin):
    issued = password_links.invite("n@example.test", "N", "author", link_for=link_for)
    token = token_of(issued)
    row = db.session.scalar(select(PasswordReset))
    assert row.token_hash == hash_token(token) and len(row.token_hash) == 64
    # Nowhere in the database: not in any column of any table.
    for table in db.metadata.sorted_tables:
        for values in db.session.execute(select(table)).all():
            assert token not in " ".join(map(str, values)), table.name
    message = db.session.scalar(select(OutboxMessage))
    assert message.purpose == "staff_invite" and "[withheld]" in message.body


def test_a_link_works_once(admin):
    token = token_of(password_links.invite("n@example.test", "N", "author", link_for=link_for))
    password_links.redeem(token, NEW)
    with pytest.raises(InvalidLink):
        password_links.redeem(token, "another fine passphrase here")
    with pytest.raises(InvalidLink):
        password_links.holder(token)


def test_an_expired_or_forged_link_does_nothing(admin):
    token = token_of(password_links.invite("n@example.test", "N", "author", link_for=link_for))
    row = db.session.scalar(select(PasswordReset))
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    for bad in (token, token[:-1] + "x", "", "x" * 500):
        with pytest.raises(InvalidLink):
            password_links.redeem(bad, NEW)
    assert users.get_by_email("n@example.test").password_hash == users.NO_PASSWORD


def test_a_weak_password_leaves_the_link_usable(admin):
    token = token_of(password_links.invite("n@example.test", "N", "author", link_for=link_for))
    with pytest.raises(WeakPassword):
        password_links.redeem(token, "Password1234")
    password_links.redeem(token, NEW)


def test_a_new_link_cancels_the_older_ones(admin):
    first = password_links.invite("n@example.test", "N", "author", link_for=link_for)
    user = users.get_by_email("n@example.test")
    second = password_links.resend_invitation(user.id, link_for=link_for, by=Actor(admin.id))
    with pytest.raises(InvalidLink):
        password_links.holder(token_of(first))
    password_links.redeem(token_of(second), NEW)


def test_a_reset_disables_the_old_password_at_once(admin):
    user = make_user(Role.INTERVIEWER)
    key_before = users.session_key(user)
    issued = password_links.reset(user.id, link_for=link_for, by=Actor(admin.id, "10.1.1.1"))
    assert users.authenticate(user.email, TEST_PASSWORD) is None
    assert users.session_key(db.session.get(type(user), user.id)) != key_before
    assert password_links.holder(token_of(issued)).first_time is True  # never signed in yet
    (event,) = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "user.password_reset")
    ).all()
    assert (event.actor_id, event.ip) == (admin.id, "10.1.1.1")
    assert db.session.scalar(select(OutboxMessage.purpose)) == "password_reset"
    password_links.redeem(token_of(issued), NEW)
    assert users.authenticate(user.email, NEW) is not None


def test_deactivating_cancels_open_links(admin):
    token = token_of(password_links.invite("n@example.test", "N", "author", link_for=link_for))
    staff_roles.set_active(users.get_by_email("n@example.test").id, False, Actor(admin.id))
    with pytest.raises(InvalidLink):
        password_links.redeem(token, NEW)
    staff_roles.set_active(users.get_by_email("n@example.test").id, True, Actor(admin.id))
    with pytest.raises(InvalidLink):
        password_links.redeem(token, NEW)  # reactivating does not bring the old link back


def test_resend_only_for_accounts_waiting_for_a_password(admin):
    user = make_user()
    with pytest.raises(password_links.DomainError):
        password_links.resend_invitation(user.id, link_for=link_for)


def test_two_redemptions_of_one_link_set_one_password(admin, monkeypatch):
    token = token_of(password_links.invite("n@example.test", "N", "author", link_for=link_for))
    checked = password_links._live

    def raced(*args, **kwargs):
        # Another request claims the link just after this one found it unused.
        row, user = checked(*args, **kwargs)
        db.session.execute(
            text("UPDATE password_resets SET used_at = :now WHERE id = :id"),
            {"now": utcnow(), "id": row.id},
        )
        return row, user

    monkeypatch.setattr(password_links, "_live", raced)
    with pytest.raises(InvalidLink):
        password_links.redeem(token, NEW)
    assert users.get_by_email("n@example.test").password_hash == users.NO_PASSWORD


# --- Email through a real SMTP server on loopback ---------------------------------------------


class Mailbox:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp(app_config):
    """A real SMTP server on loopback; the app is created after it, with its address."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    app_config.update(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=port,
        MAIL_USE_TLS=False,
        MAIL_USE_SSL=False,
        MAIL_TIMEOUT=5,
        MAIL_BACKEND="smtp",
        MAIL_DEFAULT_SENDER="Assessor <assessor@assessor.test>",
    )
    yield box
    controller.stop()


def test_the_invitation_email_carries_a_working_link(smtp, admin):
    issued = password_links.invite(
        "nia@example.test", "Nia New", "author", link_for=link_for, by=Actor(admin.id)
    )
    assert issued.emailed
    (envelope,) = smtp.envelopes
    assert envelope.rcpt_tos == ["nia@example.test"]
    message = email.message_from_bytes(envelope.content, policy=email_policy)
    body = message.get_body(("plain",)).get_content()
    assert issued.url in body and admin.name in body and "author" in body
    assert db.session.scalar(select(OutboxMessage.status)) is MessageStatus.SENT
    password_links.redeem(token_of(issued), NEW)
