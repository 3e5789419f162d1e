"""The install's checks against real SQLite files, a refused Redis port, and real settings."""

from __future__ import annotations

import secrets
import socket

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from assessor import config, create_app, jobs
from assessor.extensions import db
from assessor.services import health, health_sandbox, health_settings
from assessor.services.health import Status
from tests.unit.services.conftest import FIXTURES

OLDER_REVISION = "7b3e5d0c9a14"


def closed_port() -> int:
    """Return a loopback port nothing listens on (connecting to it is refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def migrate(url: str, tmp_path, revision: str = "head") -> None:
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x" * 40, "INSTANCE_DIR": str(tmp_path)}
    )
    with app.app_context():
        upgrade(revision=revision)
        db.engine.dispose()


def statuses(findings) -> dict[str, Status]:
    return {f.name: f.status for f in findings}


class TestDatabase:
    def test_a_missing_sqlite_file_is_reported_and_not_created(self, tmp_path):
        path = tmp_path / "assessor.sqlite3"
        reached, migrations = health.database(f"sqlite:///{path}")
        assert reached.status is Status.FAIL
        assert str(path) in reached.detail and "assessor db upgrade" in reached.detail
        assert migrations.status is Status.SKIP
        assert not path.exists()

    def test_an_unmigrated_database_is_reachable_but_fails(self, tmp_path):
        url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        engine = sa.create_engine(url)
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))  # makes the file, with no tables
        engine.dispose()
        reached, migrations = health.database(url)
        assert reached.status is Status.OK and "SQLite" in reached.detail
        assert migrations.status is Status.FAIL
        assert "empty" in migrations.detail and "assessor db upgrade" in migrations.detail

    def test_a_migrated_database_is_at_the_head(self, tmp_path):
        url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
        migrate(url, tmp_path)
        reached, migrations = health.database(url)
        assert (reached.status, migrations.status) == (Status.OK, Status.OK)
        assert migrations.detail.startswith("at the head revision ")

    def test_a_database_behind_the_head_counts_what_to_apply(self, tmp_path):
        url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
        migrate(url, tmp_path, OLDER_REVISION)
        _, migrations = health.database(url)
        assert migrations.status is Status.FAIL
        assert f"at {OLDER_REVISION}, head is " in migrations.detail
        assert "migration(s) to apply; run `assessor db upgrade`" in migrations.detail

    def test_a_revision_from_a_newer_release(self, tmp_path):
        url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
        migrate(url, tmp_path)
        engine = sa.create_engine(url)
        with engine.begin() as connection:
            connection.execute(sa.text("UPDATE alembic_version SET version_num = 'fffffffffff0'"))
        engine.dispose()
        _, migrations = health.database(url)
        assert migrations.status is Status.FAIL
        assert "do not contain" in migrations.detail and "newer release" in migrations.detail

    def test_tables_made_without_migrations(self, tmp_path):
        url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
        engine = sa.create_engine(url)
        db.metadata.create_all(engine)
        engine.dispose()
        _, migrations = health.database(url)
        assert migrations.status is Status.FAIL and "no migration revision" in migrations.detail

    def test_an_unreachable_server_hides_the_password(self):
        url = f"postgresql+psycopg://assessor:hunter2@127.0.0.1:{closed_port()}/assessor"
        reached, migrations = health.database(url)
        assert reached.status is Status.FAIL and "cannot connect" in reached.detail
        assert "hunter2" not in reached.detail and "***" in reached.detail
        assert migrations.status is Status.SKIP


class TestQueue:
    def test_a_new_sqlite_queue_needs_a_writable_folder(self, tmp_path):
        finding = health.queue(f"sqlite:///{tmp_path / 'queue.sqlite3'}")
        assert finding.status is Status.OK and "made by the first enqueue" in finding.detail
        assert not (tmp_path / "queue.sqlite3").exists()
        missing = health.queue(f"sqlite:///{tmp_path / 'gone' / 'queue.sqlite3'}")
        assert missing.status is Status.FAIL and "cannot be made" in missing.detail

    def test_an_sqlite_queue_counts_what_waits_in_the_workers_queue(self, tmp_path):
        url = f"sqlite:///{tmp_path / 'queue.sqlite3'}"
        huey = jobs.make_huey(url)  # the queue the workers read, by the name they use
        huey.storage.enqueue(b"a task")
        huey.storage.enqueue(b"another")
        finding = health.queue(url)
        assert finding.status is Status.OK
        assert "writable, 2 task(s) waiting" in finding.detail

    def test_an_unreachable_redis_fails_and_says_what_to_fix(self):
        port = closed_port()
        finding = health.queue(f"redis://:s3cret@127.0.0.1:{port}/0")
        assert finding.status is Status.FAIL
        assert f"127.0.0.1:{port}" in finding.detail and "QUEUE_URL" in finding.detail
        assert "s3cret" not in finding.detail

    def test_an_unknown_scheme(self):
        assert health.queue("amqp://rabbit/").status is Status.FAIL


def production(**env: str) -> dict:
    return config.load(
        {"ASSESSOR_ENV": "production", "PUBLIC_URL": "https://assessor.example", **env}
    )


STRONG = secrets.token_urlsafe(48)


class TestSettings:
    def test_a_weak_secret_fails_in_production_without_showing_it(self):
        weak = "changeme" * 5  # 40 characters: long enough for config.load, yet guessable
        findings = health_settings.settings(production(SECRET_KEY=weak), {})
        [secret] = [f for f in findings if f.name == "secret key"]
        assert secret.status is Status.FAIL
        assert "too guessable" in secret.detail and "secrets.token_urlsafe" in secret.detail
        assert weak not in secret.detail and "changeme" not in secret.detail

    def test_a_generated_secret_passes_and_all_is_well(self):
        env = {"SECRET_KEY": STRONG, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/3"}
        env["DATABASE_URL"] = "postgresql+psycopg://assessor@db/assessor"
        findings = health_settings.settings(production(**env), env)
        assert set(statuses(findings).values()) == {Status.OK}
        assert STRONG not in " ".join(f.detail for f in findings)

    @pytest.mark.parametrize(
        ("env", "name", "status", "words"),
        [
            ({"PUBLIC_URL": ""}, "public url", Status.FAIL, "Host header"),
            ({"PUBLIC_URL": "http://assessor.example"}, "public url", Status.FAIL, "in clear"),
            (
                {"PUBLIC_URL": "http://assessor.example", "FORCE_HTTPS": "true"},
                "public url",
                Status.WARN,
                "first request",
            ),
            ({"SESSION_COOKIE_SECURE": "false"}, "secure cookies", Status.FAIL, "plain http"),
            ({"RATELIMIT_ENABLED": "false"}, "rate limits", Status.FAIL, "full speed"),
            ({}, "rate limits", Status.WARN, "RATELIMIT_STORAGE_URI"),
            ({}, "database kind", Status.WARN, "PostgreSQL"),
        ],
    )
    def test_unsafe_production_settings(self, env, name, status, words):
        findings = health_settings.settings(production(SECRET_KEY=STRONG, **env), {})
        [finding] = [f for f in findings if f.name == name]
        assert finding.status is status and words in finding.detail

    def test_outside_production_only_the_secret_source_is_judged(self, tmp_path):
        local = config.load({}, instance_path=tmp_path)
        findings = health_settings.settings(local, {})
        assert statuses(findings) == {"environment": Status.OK, "secret key": Status.WARN}
        config.ensure_dev_secret(tmp_path, {})
        kept = health_settings.settings(config.load({}, instance_path=tmp_path), {})
        assert statuses(kept)["secret key"] is Status.OK


class TestGradingHost:
    @pytest.mark.parametrize(
        ("size", "idle", "status", "words"),
        [(2, 300, Status.OK, "120 MB"), (0, 300, Status.OK, "off"), (-1, 300, Status.FAIL, "")],
    )
    def test_pool_settings(self, size, idle, status, words):
        finding = health_sandbox.pool_settings(
            {"SANDBOX_POOL_SIZE": size, "SANDBOX_POOL_IDLE_S": idle}
        )
        assert finding.status is status and words in finding.detail

    def test_the_fake_backend_warns_and_fails_in_production(self):
        local = {"SANDBOX_BACKEND": "fake", "ENV_NAME": "development"}
        [warned] = health_sandbox.sandbox_host(local)
        assert warned.status is Status.WARN and "WITHOUT isolation" in warned.detail
        [failed] = health_sandbox.sandbox_host(local | {"ENV_NAME": "production"})
        assert failed.status is Status.FAIL

    def test_an_unknown_backend(self):
        config_ = {"SANDBOX_BACKEND": "firecracker", "ENV_NAME": "development"}
        [finding] = health_sandbox.sandbox_host(config_)
        assert finding.status is Status.FAIL and "firecracker" in finding.detail

    def test_the_library(self, tmp_path):
        assert health_sandbox.library({"CHALLENGES_DIR": str(FIXTURES)}).status is Status.OK
        empty = health_sandbox.library({"CHALLENGES_DIR": str(tmp_path)})
        assert empty.status is Status.WARN and "retire" in empty.detail
