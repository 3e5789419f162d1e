"""Back up as docs/operations.md says, restore into an empty database, and serve the same report.

PostgreSQL: `pg_dump --format=custom`, then `pg_restore` into a database created empty. SQLite:
the online backup API (what `sqlite3 ... ".backup ..."` uses) into a new file.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

import sandbox
from assessor import create_app
from assessor.extensions import db
from assessor.models import Attempt, Role, SubmissionStatus
from assessor.services import (
    assessments,
    attempts,
    catalog,
    finalization,
    grading,
    health,
    invitations,
    users,
)
from tests.conftest import postgres_url
from tests.integration.platform import FIXTURES, WRONG, fresh_postgres_database

OWNER = "owner@example.test"
PASSWORD = "a violet heron reads slowly at dusk"
# What varies per request or per session, never per database: CSP nonces and CSRF tokens.
PER_REQUEST = re.compile(r'(nonce|csrf-token" content|name="csrf_token" value)="[^"]*"')


def platform_on(url: str, app_config: dict):
    """An app on the database at `url`, with the same SECRET_KEY as every other in the test."""
    return create_app(app_config | {"SQLALCHEMY_DATABASE_URI": url})


def seed(app) -> tuple[int, str]:
    """Through the services: an assessment, an invited candidate, a graded final submission."""
    with app.app_context():
        upgrade()
        owner = users.create_user(users.NewUser(OWNER, "Olive Owner", Role.INTERVIEWER, PASSWORD))
        backend = sandbox.FakeBackend()
        outcome = catalog.sync_folder(FIXTURES / "mini-adder", backend, "unused")
        assessment = assessments.create_assessment(
            assessments.NewAssessment(
                title="Back-end round",
                duration_minutes=60,
                owner_id=owner.id,
                items=[assessments.ItemSpec(version_id=outcome.version_id)],
            )
        )
        attempt, token = invitations.create_invitation(
            invitations.NewInvitation(assessment.id, "Ada Lovelace", "ada@example.test"),
            actor_id=owner.id,
        )
        attempt_id, item_id = attempt.id, assessment.items[0].id
        attempts.start(attempt_id)
        attempts.save_draft(attempt_id, item_id, {"adder.py": WRONG}, 0)
        [final] = finalization.finish_attempt(attempt_id)
        assert grading.grade(final.id, backend, "unused") is SubmissionStatus.GRADED
        db.session.remove()
        db.engine.dispose()
    return attempt_id, token


def report(app, attempt_id: int) -> str:
    """Sign in as the owner and return the staff report, without per-request tokens."""
    client = app.test_client()
    signed_in = client.post("/login", data={"email": OWNER, "password": PASSWORD})
    assert signed_in.status_code == 302, signed_in.get_data(as_text=True)
    page = client.get(f"/attempts/{attempt_id}")
    assert page.status_code == 200
    dispose(app)
    return PER_REQUEST.sub(r'\1="-"', page.get_data(as_text=True))


def assert_the_same_report(original, restored, attempt_id: int, token: str) -> None:
    before, after = report(original, attempt_id), report(restored, attempt_id)
    # A real report: scores by skill, each test with its message, the code and its diff.
    for shown in (
        "5 / 8 points",
        "sql: 0/3",
        "hidden/test_adder_hidden.py::test_adds_negative_numbers",
        "AssertionError: assert (&lt;class &#39;int&#39;&gt; is int and -4 == -5)",
        "+    return a + b + (1 if a &lt; 0 else 0)",
        "Graded: 5 of 8 points.",
    ):
        assert shown in before
    assert after == before
    # The restored database is at the migrations' head, as `assessor doctor` checks.
    url = restored.config["SQLALCHEMY_DATABASE_URI"]
    assert [f.status for f in health.database(url)] == [health.Status.OK] * 2
    # With the same SECRET_KEY, "Copy link" derives the link the candidate holds, and it opens.
    with restored.app_context():
        assert invitations.token_of(db.session.get(Attempt, attempt_id)) == token
    landing = restored.test_client().get(f"/a/{token}", follow_redirects=True)
    assert landing.status_code == 200
    assert "your work is submitted" in landing.get_data(as_text=True)


def dispose(*apps) -> None:
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def assert_empty(url: str) -> None:
    _, migrations = health.database(url)
    assert migrations.detail == "the database is empty; run `assessor db upgrade`"


def test_sqlite_online_backup_restores_into_a_new_file(tmp_path, app_config):
    live, copy = tmp_path / "assessor.sqlite3", tmp_path / "restored" / "assessor.sqlite3"
    original = platform_on(f"sqlite:///{live}", app_config)
    restored = platform_on(f"sqlite:///{copy}", app_config)
    try:
        attempt_id, token = seed(original)
        copy.parent.mkdir()
        source, target = sqlite3.connect(live), sqlite3.connect(copy)
        try:
            assert_empty(f"sqlite:///{copy}")
            source.backup(target)  # a consistent copy, even while the app writes
        finally:
            source.close()
            target.close()
        assert_the_same_report(original, restored, attempt_id, token)
    finally:
        dispose(original, restored)


def libpq(url: str) -> str:
    """Return a SQLAlchemy PostgreSQL URL in the form pg_dump and pg_restore take."""
    return sa.engine.make_url(url).set(drivername="postgresql").render_as_string(False)


@pytest.mark.postgres
def test_pg_dump_restores_into_an_empty_database(tmp_path, app_config):
    for tool in ("pg_dump", "pg_restore"):
        assert shutil.which(tool), f"{tool} is missing: scripts/ensure-services installs it"
    live_url, drop_live = fresh_postgres_database(postgres_url())
    empty_url, drop_empty = fresh_postgres_database(postgres_url())
    dump = tmp_path / "assessor.dump"
    original = platform_on(live_url, app_config)
    restored = platform_on(empty_url, app_config)
    try:
        attempt_id, token = seed(original)
        subprocess.run(
            ["pg_dump", "--format=custom", f"--file={dump}", libpq(live_url)],
            check=True,
            timeout=120,
        )
        assert_empty(empty_url)
        subprocess.run(
            [
                "pg_restore",
                "--no-owner",
                "--exit-on-error",
                "--single-transaction",
                f"--dbname={libpq(empty_url)}",
                str(dump),
            ],
            check=True,
            timeout=120,
        )
        assert_the_same_report(original, restored, attempt_id, token)
    finally:
        dispose(original, restored)
        drop_empty()
        drop_live()
