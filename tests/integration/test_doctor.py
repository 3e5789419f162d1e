"""`assessor doctor`'s checks against real servers: SMTP on loopback, Redis, PostgreSQL, Docker."""

from __future__ import annotations

import pytest
import redis
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from assessor import config
from assessor.services import health, health_sandbox
from assessor.services.health import Status
from tests.conftest import postgres_url, redis_url
from tests.integration.platform import fresh_postgres_database
from tests.integration.test_smtp import Mailbox, free_port
from tests.unit.services.test_health import migrate

USER, PASSWORD = "hiring@assessor.test", "a mail password"


def accept_only_ours(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ours = isinstance(auth_data, LoginPassword) and auth_data.login == USER.encode()
    # handled=False: the server itself answers 535 to a refusal.
    return AuthResult(success=ours and auth_data.password == PASSWORD.encode(), handled=False)


@pytest.fixture
def smtp_server():
    """An SMTP server on loopback that offers AUTH without TLS (loopback only) and no STARTTLS."""
    handler = Mailbox()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=accept_only_ours,
        auth_require_tls=False,
    )
    controller.start()
    yield handler, controller.port
    controller.stop()


def mail_config(port: int, **overrides) -> dict:
    settings = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "MAIL_USE_TLS": False}
    return settings | {"MAIL_USE_SSL": False, "MAIL_TIMEOUT": 5, "MAIL_BACKEND": "smtp"} | overrides


class TestSmtp:
    def test_a_greeting_sends_nothing(self, smtp_server):
        mailbox, port = smtp_server
        finding = health.mail(mail_config(port))
        assert finding.status is Status.OK, finding
        assert finding.detail == f"127.0.0.1:{port}: EHLO 250 (no message sent)"
        assert mailbox.greetings == 1 and mailbox.envelopes == []

    def test_a_login_is_tried_with_the_configured_credentials(self, smtp_server):
        mailbox, port = smtp_server
        finding = health.mail(mail_config(port, MAIL_USERNAME=USER, MAIL_PASSWORD=PASSWORD))
        assert finding.status is Status.OK, finding
        assert f"logged in as {USER}" in finding.detail and PASSWORD not in finding.detail
        assert mailbox.envelopes == []

    def test_a_refused_login_fails(self, smtp_server):
        _, port = smtp_server
        finding = health.mail(mail_config(port, MAIL_USERNAME=USER, MAIL_PASSWORD="wrong"))
        assert finding.status is Status.FAIL
        assert f"login as {USER} refused: 535" in finding.detail

    def test_starttls_required_but_not_offered_fails(self, smtp_server):
        _, port = smtp_server
        finding = health.mail(mail_config(port, MAIL_USE_TLS=True))
        assert finding.status is Status.FAIL and "offers no STARTTLS" in finding.detail

    def test_a_server_that_is_not_there(self):
        port = free_port()
        finding = health.mail(mail_config(port))
        assert finding.status is Status.FAIL and f"cannot reach 127.0.0.1:{port}" in finding.detail

    def test_nothing_configured_is_skipped(self):
        loaded = config.load({})
        assert health.mail(loaded).status is Status.SKIP


@pytest.mark.redis
def test_redis_answers_ping_and_counts_the_waiting_tasks():
    from assessor.jobs import make_huey

    # A database of its own, so that other tests' queues do not change the count.
    url = sa.engine.make_url(redis_url()).set(database="11").render_as_string(False)
    client = redis.Redis.from_url(url)
    client.flushdb()
    try:
        make_huey(url).storage.enqueue(b"a task")
        finding = health.queue(url)
        assert finding.status is Status.OK, finding
        assert "PONG, 1 task(s) waiting" in finding.detail and finding.detail.startswith("Redis ")
    finally:
        client.flushdb()
        client.close()


@pytest.mark.postgres
def test_postgresql_empty_then_migrated(tmp_path):
    url, drop = fresh_postgres_database(postgres_url())
    try:
        reached, migrations = health.database(url)
        assert reached.status is Status.OK and reached.detail.startswith("PostgreSQL ")
        assert migrations.status is Status.FAIL and "assessor db upgrade" in migrations.detail
        migrate(url, tmp_path)
        assert [f.status for f in health.database(url)] == [Status.OK, Status.OK]
    finally:
        drop()


@pytest.fixture(scope="module")
def image() -> str:
    """Build the sandbox image when missing or stale (slow once, then cached); return its name."""
    from sandbox.image import default_image, ensure_image

    image = default_image()
    ensure_image(image, progress=lambda message: print(f"[sandbox image] {message}"))
    return image


def grading_host(image: str) -> dict:
    return {
        "ENV_NAME": "development",
        "SANDBOX_BACKEND": "docker",
        "SANDBOX_IMAGE": image,
        "SANDBOX_POOL_SIZE": 2,
        "SANDBOX_POOL_IDLE_S": 300,
    }


@pytest.mark.docker
class TestGradingHost:
    def test_engine_image_pool_and_a_warm_pair(self, image):
        findings = health_sandbox.sandbox_host(grading_host(image), start_pair=True)
        names = [f.name for f in findings]
        assert names == ["sandbox engine", "sandbox image", "warm pool", "warm pair"]
        assert all(f.status is Status.OK for f in findings), findings
        assert "current" in findings[1].detail and "then was removed" in findings[3].detail

    def test_a_missing_image_says_how_to_build_it(self):
        findings = health_sandbox.sandbox_host(
            grading_host("assessor-sandbox:never-built"), start_pair=True
        )
        found = {f.name: f for f in findings}
        assert found["sandbox image"].status is Status.FAIL
        assert "assessor sandbox build-image" in found["sandbox image"].detail
        assert found["warm pair"].status is Status.SKIP
