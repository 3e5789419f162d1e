"""Email against a real SMTP server on loopback (aiosmtpd), through the pages and the CLI."""

from __future__ import annotations

import email
import re
import socket
from email.policy import default as email_policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from assessor.extensions import db
from assessor.models import Attempt, MessageStatus, OutboxMessage, Role
from tests.factories import make_assessment, make_user

LINK = re.compile(r"http://assessor\.test/a/[A-Za-z0-9_-]{43}")


class Mailbox:
    """An aiosmtpd handler that keeps every message and counts connections."""

    def __init__(self) -> None:
        self.envelopes = []
        self.greetings = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.greetings += 1
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self):
        return [
            (e.rcpt_tos, email.message_from_bytes(e.content, policy=email_policy))
            for e in self.envelopes
        ]


def free_port() -> int:
    """Return a loopback port nothing listens on (connecting to it is refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def mailbox():
    handler = Mailbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield handler, controller.port
    controller.stop()


def smtp_settings(port: int, **overrides) -> dict:
    return {
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": port,
        "MAIL_USE_TLS": False,  # aiosmtpd offers no STARTTLS here
        "MAIL_TIMEOUT": 5,
        "MAIL_DEFAULT_SENDER": "Hiring <hiring@assessor.test>",
        "MAIL_BACKEND": "smtp",
    } | overrides


@pytest.fixture
def world(ctx):
    owner = make_user(Role.INTERVIEWER)
    return owner, make_assessment(owner, duration_minutes=50)


@pytest.fixture
def owner_client(client, auth, world):
    auth.login(world[0].email)
    return client


def invite_one(client, assessment, name="Ada Lovelace", address="ada@example.test"):
    data = {"one-name": name, "one-email": address, "one-valid_days": "7"}
    data |= {"one-extra_minutes": "0", "one-send_email": "y"}
    return client.post(f"/assessments/{assessment.id}/invitations/new", data=data)


class TestWithAServer:
    @pytest.fixture
    def app_config(self, app_config, mailbox):
        return app_config | smtp_settings(mailbox[1])

    def test_the_invitation_arrives_with_a_working_link(self, app, owner_client, world, mailbox):
        _, assessment = world
        page = invite_one(owner_client, assessment, name="Ada <b>Lovelace</b>")
        assert "emailed" in page.get_data(as_text=True)
        [(recipients, message)] = mailbox[0].messages()
        assert recipients == ["ada@example.test"]
        assert message["To"] == "ada@example.test"
        assert message["From"] == "Hiring <hiring@assessor.test>"
        assert message["Subject"] == f"Invitation: {assessment.title}"
        text = message.get_body(("plain",)).get_content()
        html = message.get_body(("html",)).get_content()
        [link] = set(LINK.findall(text))
        assert f'href="{link}"' in html
        assert "Ada &lt;b&gt;Lovelace&lt;/b&gt;" in html and "<b>Lovelace" not in html
        assert "50 minutes" in text and "works until" in text
        landing = app.test_client().get(
            link.removeprefix("http://assessor.test"), follow_redirects=True
        )
        assert landing.status_code == 200 and assessment.title in landing.get_data(as_text=True)
        stored = db.session.scalar(select(OutboxMessage))
        assert stored.status is MessageStatus.SENT and stored.sent_at is not None
        assert link not in stored.body

    def test_a_bulk_invitation_uses_one_connection(self, owner_client, world, mailbox):
        _, assessment = world
        lines = "Ada, ada@example.test\nBo, bo@example.test, 15\nCy, cy@example.test"
        data = {"many-lines": lines, "many-valid_days": "7", "many-extra_minutes": "0"}
        data["many-send_email"] = "y"
        owner_client.post(f"/assessments/{assessment.id}/invitations/new", data=data)
        received = mailbox[0].messages()
        assert [r for r, _ in received] == [
            ["ada@example.test"],
            ["bo@example.test"],
            ["cy@example.test"],
        ]
        assert mailbox[0].greetings == 1
        bo = received[1][1].get_body(("plain",)).get_content()
        assert "plus 15 minutes of extra time" in bo

    def test_resend_sends_the_same_link_again(self, owner_client, world, mailbox):
        _, assessment = world
        invite_one(owner_client, assessment)
        attempt = db.session.scalar(select(Attempt))
        response = owner_client.post(f"/invitations/{attempt.id}/resend", follow_redirects=True)
        assert "Sent the link to ada@example.test again" in response.get_data(as_text=True)
        first, second = (m.get_body(("plain",)).get_content() for _, m in mailbox[0].messages())
        assert LINK.findall(first) == LINK.findall(second)

    def test_the_cli_emails_too(self, runner, world, mailbox):
        _, assessment = world
        args = ["invite", "--assessment", str(assessment.id), "--name", "Ada"]
        result = runner.invoke(args=[*args, "--email", "ada@example.test"])
        assert result.exit_code == 0, result.output
        assert "[emailed]" in result.output
        [(recipients, message)] = mailbox[0].messages()
        assert recipients == ["ada@example.test"]
        assert LINK.search(result.output).group(0) in message.get_body(("plain",)).get_content()


class TestStartTlsByDefault:
    @pytest.fixture
    def app_config(self, app_config, mailbox):
        return app_config | smtp_settings(mailbox[1], MAIL_USE_TLS=True)

    def test_a_server_without_starttls_gets_nothing_in_clear(self, owner_client, world, mailbox):
        invite_one(owner_client, world[1])
        assert mailbox[0].messages() == []
        stored = db.session.scalar(select(OutboxMessage))
        assert stored.status is MessageStatus.FAILED and "STARTTLS" in stored.error


class TestWithTheServerDown:
    @pytest.fixture
    def app_config(self, app_config):
        return app_config | smtp_settings(free_port())

    def test_a_refused_connection_keeps_the_invitation_and_shows_the_link(
        self, app, owner_client, world
    ):
        _, assessment = world
        page = invite_one(owner_client, assessment).get_data(as_text=True)
        assert "email failed" in page and "ConnectionRefusedError" in page
        assert "Some emails could not be sent. The invitations stand" in page
        [link] = set(LINK.findall(page))
        attempt = db.session.scalar(select(Attempt))
        assert attempt.candidate_email == "ada@example.test"
        stored = db.session.scalar(select(OutboxMessage))
        assert stored.status is MessageStatus.FAILED and stored.attempt_id == attempt.id
        assert stored.error.startswith("ConnectionRefusedError")
        landing = app.test_client().get(
            link.removeprefix("http://assessor.test"), follow_redirects=True
        )
        assert landing.status_code == 200
        detail = owner_client.get(f"/invitations/{attempt.id}").get_data(as_text=True)
        assert "email failed" in detail and "ConnectionRefusedError" in detail
