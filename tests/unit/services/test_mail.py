"""The mail service: send when configured, keep every message in the outbox, never a token."""

from __future__ import annotations

import smtplib

import pytest
from flask import current_app
from flask_mailman.backends.base import BaseEmailBackend
from sqlalchemy import select

from assessor.extensions import db
from assessor.models import MessageStatus, OutboxMessage
from assessor.services import invitation_actions as actions
from assessor.services import mail
from assessor.services.invitations import NewInvitation
from tests.factories import make_assessment, make_user

BASE = "https://assessor.example"


class RefusingEmailBackend(BaseEmailBackend):
    """A mail server that cannot be reached (Flask-Mailman loads it by its dotted name)."""

    opened = 0

    def open(self):
        type(self).opened += 1
        raise ConnectionRefusedError(111, "Connection refused")

    def send_messages(self, messages):
        self.open()


class DroppingEmailBackend(BaseEmailBackend):
    """A mail server that accepts the connection and then drops every message."""

    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def outbox_of_app():
    return current_app.extensions["mailman"].outbox


class TestWithoutAMailServer:
    def test_nothing_is_sent_and_the_message_is_kept(self, ctx):
        assert not mail.configured()
        message = mail.send(
            "test", "ada@example.test", "Hello", "Body with secret-123", redact=["secret-123"]
        )
        assert message.status is MessageStatus.NOT_SENT and message.error is None
        assert message.body == "Body with [withheld]"
        assert message.sent_at is None

    def test_a_subject_is_one_line(self, ctx):
        message = mail.send("test", "ada@example.test", "Title\r\nBcc: evil@example.test", "x")
        assert message.subject == "Title Bcc: evil@example.test"


class TestWithAMailServer:
    @pytest.fixture
    def app_config(self, app_config):
        return app_config | {"MAIL_SERVER": "smtp.test", "MAIL_BACKEND": "locmem"}

    def test_a_message_is_sent_with_both_bodies(self, ctx):
        message = mail.send(
            "test", "ada@example.test", "Hello", "plain", "<p>html</p>", sent_by_id=make_user().id
        )
        assert message.status is MessageStatus.SENT and message.sent_at is not None
        [sent] = outbox_of_app()
        assert sent.to == ["ada@example.test"] and sent.subject == "Hello"
        assert sent.from_email == "Assessor <assessor@localhost>"
        assert sent.body == "plain" and sent.alternatives[0][0] == "<p>html</p>"

    def test_the_invitation_email_escapes_names_and_withholds_the_token(self, ctx):
        owner = make_user()
        assessment = make_assessment(owner, duration_minutes=90)
        name = '<script>alert("x")</script> & Co'
        [invited] = actions.invite(
            [NewInvitation(assessment.id, name, "ada@example.test", extra_minutes=30)],
            BASE,
            actions.Actor(owner.id),
        )
        assert invited.mail_status == "sent"
        [sent] = outbox_of_app()
        html = sent.alternatives[0][0]
        assert "<script>" not in html and "&lt;script&gt;" in html and "&amp; Co" in html
        assert invited.link in sent.body and f'href="{invited.link}"' in html
        assert sent.subject == f"Invitation: {assessment.title}"
        assert "90 minutes, plus 30 minutes of extra time (120 minutes in all)" in sent.body
        assert owner.name in sent.body
        token = invited.link.rsplit("/", 1)[1]
        stored = db.session.scalar(select(OutboxMessage))
        assert token not in stored.body and "/a/[withheld]" in stored.body
        assert stored.sent_by_id == owner.id

    def test_a_resend_after_the_start_gives_the_deadline(self, ctx):
        from assessor.services import attempts

        owner = make_user()
        assessment = make_assessment(owner)
        [invited] = actions.invite(
            [NewInvitation(assessment.id, "Ada", "ada@example.test")], BASE, actions.Actor(owner.id)
        )
        attempts.start(invited.attempt_id)
        actions.resend(invited.attempt_id, BASE, actions.Actor(owner.id))
        resent = outbox_of_app()[-1]
        assert resent.subject.startswith("Your link to")
        assert "in progress" in resent.body and "deadline" in resent.body

    def test_outbox_lists_newest_first_with_the_sender(self, ctx):
        sender = make_user()
        mail.send("a", "x@example.test", "first", "1", sent_by_id=sender.id, user_id=sender.id)
        mail.send("b", "x@example.test", "second", "2", user_id=sender.id)
        entries = mail.outbox(user_id=sender.id)
        assert [e.subject for e in entries] == ["second", "first"]
        assert [e.sent_by for e in entries] == [None, sender.name]


class TestWhenSendingFails:
    @pytest.fixture
    def app_config(self, app_config):
        backend = f"{__name__}.RefusingEmailBackend"
        return app_config | {"MAIL_SERVER": "smtp.test", "MAIL_BACKEND": backend}

    def test_a_failure_is_recorded_not_raised(self, ctx):
        message = mail.send("test", "ada@example.test", "Hello", "plain")
        assert message.status is MessageStatus.FAILED
        assert message.error.startswith("ConnectionRefusedError")

    def test_a_batch_stops_trying_after_the_server_refused(self, ctx):
        RefusingEmailBackend.opened = 0
        owner = make_user()
        assessment = make_assessment(owner)
        batch = [NewInvitation(assessment.id, f"P{i}", f"p{i}@example.test") for i in range(3)]
        invited = actions.invite(batch, BASE, actions.Actor(owner.id))
        assert RefusingEmailBackend.opened == 1
        assert [i.mail_status for i in invited] == ["failed"] * 3
        assert invited[0].mail_error.startswith("ConnectionRefusedError")
        assert invited[1].mail_error.startswith("not tried: the mail server could not be reached")
        # The invitations stand, with working links.
        assert all(i.link.startswith(f"{BASE}/a/") for i in invited)

    def test_a_dropped_message_fails_alone(self, app, ctx):
        app.extensions["mailman"].backend = f"{__name__}.DroppingEmailBackend"
        message = mail.send("test", "ada@example.test", "Hello", "plain")
        assert message.status is MessageStatus.FAILED
        assert "SMTPServerDisconnected" in message.error
