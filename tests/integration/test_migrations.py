"""Upgrade an empty database with the migrations, then check the models agree with it."""

from __future__ import annotations

import contextlib
import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from assessor import create_app
from assessor.extensions import db
from tests.conftest import postgres_url


def _assert_models_match_migrations(app) -> None:
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
        assert diff == [], f"models and migrations disagree: {diff}"
        tables = set(sa.inspect(db.engine).get_table_names())
        assert set(db.metadata.tables) <= tables
        downgrade(revision="base")
        assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}


def test_migrations_upgrade_empty_sqlite_and_match_models(tmp_path):
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'm.sqlite3'}", "SECRET_KEY": "x" * 40}
    )
    _assert_models_match_migrations(app)


@contextlib.contextmanager
def _fresh_postgres():
    """Create an empty PostgreSQL database for one test, and drop it afterwards."""
    admin_url = sa.engine.make_url(postgres_url())
    name = f"assessor_mig_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.postgres
def test_migrations_upgrade_empty_postgresql_and_match_models():
    with _fresh_postgres() as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x" * 40})
        _assert_models_match_migrations(app)
        with app.app_context():
            db.engine.dispose()


KIND_CHECK = "ck_challenge_versions_challenge_kind"


def _checks(engine) -> set[str]:
    return {c["name"] for c in sa.inspect(engine).get_check_constraints("challenge_versions")}


def _insert_version(connection, kind: str, n: int) -> None:
    connection.execute(
        sa.text("INSERT INTO challenges (id, slug, title, created_at) VALUES (:n, :s, 't', :at)"),
        {"n": n, "s": f"c-{n}", "at": "2026-01-01 00:00:00+00:00"},
    )
    connection.execute(
        sa.text(
            "INSERT INTO challenge_versions (id, challenge_id, content_hash, title, kind, skills,"
            " difficulty, minutes, meta, statement, manifest, rubric, files, created_at) VALUES"
            " (:n, :n, :h, 't', :kind, '[]', 'easy', 5, '{}', '', '[]', '[]', '{}', :at)"
        ),
        {"n": n, "h": f"{n:064x}", "kind": kind, "at": "2026-01-01 00:00:00+00:00"},
    )


def _assert_kind_becomes_a_registry_name(app, capsys) -> None:
    with app.app_context():
        upgrade(revision="f46e0e63b934")
        with db.engine.begin() as connection:
            _insert_version(connection, "design", 1)
        assert KIND_CHECK in _checks(db.engine)
        upgrade()
        # Only the kind's check goes: the difficulty check survives SQLite's table copy.
        assert _checks(db.engine) == {"ck_challenge_versions_difficulty"}
        with db.engine.begin() as connection:
            _insert_version(connection, "http-api", 2)
            kinds = connection.execute(sa.text("SELECT kind FROM challenge_versions")).scalars()
            assert sorted(kinds) == ["design", "http-api"]
        # Flask-Migrate reports the migration's RuntimeError and exits non-zero, like the CLI.
        with pytest.raises(SystemExit):
            downgrade(revision="f46e0e63b934")
        assert "kind(s) http-api exist" in capsys.readouterr().err
        with db.engine.begin() as connection:
            connection.execute(sa.text("DELETE FROM challenge_versions WHERE kind = 'http-api'"))
        downgrade(revision="f46e0e63b934")
        assert KIND_CHECK in _checks(db.engine)
        with db.engine.connect() as connection:
            assert connection.execute(sa.text("SELECT kind FROM challenge_versions")).scalar() == (
                "design"
            )
        downgrade(revision="base")


def test_kind_migration_keeps_rows_and_refuses_to_lose_newer_kinds_on_sqlite(tmp_path, capsys):
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'k.sqlite3'}", "SECRET_KEY": "x" * 40}
    )
    _assert_kind_becomes_a_registry_name(app, capsys)


@pytest.mark.postgres
def test_kind_migration_keeps_rows_and_refuses_to_lose_newer_kinds_on_postgresql(capsys):
    with _fresh_postgres() as url:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x" * 40})
        _assert_kind_becomes_a_registry_name(app, capsys)
        with app.app_context():
            db.engine.dispose()
