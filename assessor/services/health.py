"""Check what an install reaches: the database and its migrations, the queue, the SMTP server.

Each check returns findings with their evidence, and names the command that fixes a failure.
Nothing here writes: a missing SQLite file is not created, and no message is ever sent.
"""

from __future__ import annotations

import enum
import ipaddress
import os
import smtplib
import sqlite3
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionError
from alembic.util import CommandError

from assessor.config import PROJECT_ROOT

MIGRATIONS = PROJECT_ROOT / "migrations"
QUEUE_NAME = "assessor"  # the name jobs.make_huey gives the queue, in SQLite and Redis alike
TIMEOUT_S = 5  # a dead server must fail its line, not hang the whole check
UPGRADE = "run `assessor db upgrade`"


class Status(enum.StrEnum):
    """How a check stands; only FAIL makes `assessor doctor` exit non-zero."""

    OK = "ok"
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"


@dataclass(frozen=True)
class Finding:
    """One line of `assessor doctor`: what was checked, how it stands, and the evidence."""

    name: str
    status: Status
    detail: str


def database(url: str) -> list[Finding]:
    """Connect to the database, then compare its migration revision with the scripts' head."""
    where = _without_password(url)
    missing = _missing_sqlite_file(url)
    if missing is not None:
        return [
            Finding("database", Status.FAIL, f"{missing} does not exist; {UPGRADE} to create it"),
            Finding("migrations", Status.SKIP, "no database to look at"),
        ]
    engine = sa.create_engine(url, connect_args=_connect_args(url), poolclass=sa.pool.NullPool)
    try:
        try:
            connection = engine.connect()
        except sa.exc.SQLAlchemyError as exc:
            return [
                Finding("database", Status.FAIL, f"cannot connect to {where}: {_brief(exc)}"),
                Finding("migrations", Status.SKIP, "the database is unreachable"),
            ]
        with connection:
            reached = Finding("database", Status.OK, f"{_server(connection)} at {where}")
            try:
                return [reached, _migrations(connection)]
            except sa.exc.SQLAlchemyError as exc:
                return [reached, Finding("migrations", Status.FAIL, _brief(exc))]
    finally:
        engine.dispose()


def _missing_sqlite_file(url: str) -> str | None:
    parsed = sa.engine.make_url(url)
    path = parsed.database
    if parsed.get_backend_name() != "sqlite" or path in (None, "", ":memory:"):
        return None
    return None if Path(path).is_file() else path


def _connect_args(url: str) -> dict[str, Any]:
    backend = sa.engine.make_url(url).get_backend_name()
    if backend == "postgresql":
        return {"connect_timeout": TIMEOUT_S}
    return {"timeout": TIMEOUT_S} if backend == "sqlite" else {}


def _server(connection: sa.Connection) -> str:
    dialect = connection.dialect
    if dialect.name == "sqlite":
        return f"SQLite {sqlite3.sqlite_version}"
    version = ".".join(str(part) for part in dialect.server_version_info or ())
    return f"{'PostgreSQL' if dialect.name == 'postgresql' else dialect.name} {version}"


def _migrations(connection: sa.Connection) -> Finding:
    script = ScriptDirectory(str(MIGRATIONS))
    heads = tuple(sorted(script.get_heads()))
    current = tuple(sorted(MigrationContext.configure(connection).get_current_heads()))
    head = ", ".join(heads)
    if current == heads:
        return Finding("migrations", Status.OK, f"at the head revision {head}")
    if not current:
        tables = sa.inspect(connection).get_table_names()
        if not tables:
            return Finding("migrations", Status.FAIL, f"the database is empty; {UPGRADE}")
        return Finding(
            "migrations",
            Status.FAIL,
            f"{len(tables)} tables but no migration revision: not made by `assessor db upgrade`, "
            "so migrations cannot manage it; restore a backup or start from an empty database",
        )
    at = ", ".join(current)
    try:
        pending = list(script.iterate_revisions(heads, current))
    except (RevisionError, CommandError):  # a revision unknown to this code
        return Finding(
            "migrations",
            Status.FAIL,
            f"at {at}, which this code's migrations do not contain (head {head}): the database "
            "was migrated by a newer release; deploy that release, or restore a matching backup",
        )
    count = len([r for r in pending if r.revision not in current])
    return Finding(
        "migrations",
        Status.FAIL,
        f"at {at}, head is {head}: {count} migration(s) to apply; {UPGRADE}",
    )


def queue(url: str) -> Finding:
    """Check the queue of QUEUE_URL: a writable SQLite file, or a Redis server answering PING."""
    scheme = urlparse(url).scheme
    if scheme == "sqlite":
        return _sqlite_queue(Path(url.removeprefix("sqlite:///")))
    if scheme in ("redis", "rediss"):
        return _redis_queue(url)
    return Finding("queue", Status.FAIL, f"QUEUE_URL must be sqlite:///path or redis://...: {url}")


def _sqlite_queue(path: Path) -> Finding:
    if not path.exists():
        folder = path.parent
        if folder.is_dir() and os.access(folder, os.W_OK):
            return Finding("queue", Status.OK, f"SQLite {path}: made by the first enqueue")
        return Finding("queue", Status.FAIL, f"SQLite {path}: cannot be made in {folder}")
    # SQLite writes its journal next to the file: the folder must be writable too.
    if not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
        return Finding("queue", Status.FAIL, f"SQLite {path}: the file or its folder is read-only")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=TIMEOUT_S)
        try:
            conn.execute("BEGIN IMMEDIATE")  # takes the write lock, as an enqueue does
            conn.rollback()
            waiting = _sqlite_waiting(conn)
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return Finding("queue", Status.FAIL, f"SQLite {path}: {exc}")
    return Finding("queue", Status.OK, f"SQLite {path}: writable, {waiting} task(s) waiting")


def _sqlite_waiting(conn: sqlite3.Connection) -> int:
    exists = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'task'")
    if exists.fetchone() is None:
        return 0
    return conn.execute("SELECT count(*) FROM task WHERE queue = ?", (QUEUE_NAME,)).fetchone()[0]


def _redis_queue(url: str) -> Finding:
    import redis
    from huey.storage import RedisStorage

    where = _without_password(url)
    client = redis.Redis.from_url(url, socket_connect_timeout=TIMEOUT_S, socket_timeout=TIMEOUT_S)
    try:
        client.ping()
        version = client.info("server").get("redis_version", "?")
        waiting = RedisStorage(QUEUE_NAME, connection_pool=client.connection_pool).queue_size()
    except redis.RedisError as exc:
        problem = f"Redis at {where}: {_brief(exc)}; start Redis or correct QUEUE_URL"
        return Finding("queue", Status.FAIL, problem)
    finally:
        client.close()
    return Finding(
        "queue", Status.OK, f"Redis {version} at {where}: PONG, {waiting} task(s) waiting"
    )


def mail(config: Mapping[str, Any]) -> Finding:
    """Greet the SMTP server, STARTTLS and log in as configured; never send a message."""
    server = config.get("MAIL_SERVER")
    if not server:
        return Finding("smtp", Status.SKIP, "MAIL_SERVER is not set: messages stay in the outbox")
    if config.get("MAIL_BACKEND", "smtp") != "smtp":
        backend = config["MAIL_BACKEND"]
        return Finding("smtp", Status.WARN, f"MAIL_BACKEND={backend}: nothing is sent by SMTP")
    port, user = int(config["MAIL_PORT"]), config.get("MAIL_USERNAME")
    timeout = int(config.get("MAIL_TIMEOUT") or TIMEOUT_S)
    where = f"{server}:{port}"
    try:
        if config.get("MAIL_USE_SSL"):
            context = ssl.create_default_context()
            smtp = smtplib.SMTP_SSL(server, port, timeout=timeout, context=context)
        else:
            smtp = smtplib.SMTP(server, port, timeout=timeout)
    except (OSError, smtplib.SMTPException) as exc:
        return Finding("smtp", Status.FAIL, f"cannot reach {where}: {_brief(exc)}")
    with smtp:  # leaving says QUIT
        try:
            steps = _converse(smtp, config, user)
        except smtplib.SMTPAuthenticationError as exc:
            refused = f"{exc.smtp_code} {exc.smtp_error.decode(errors='replace')}"
            return Finding("smtp", Status.FAIL, f"{where}: login as {user} refused: {refused}")
        except (OSError, smtplib.SMTPException) as exc:
            return Finding("smtp", Status.FAIL, f"{where}: {_brief(exc)}")
    evidence = f"{where}: {', '.join(steps)} (no message sent)"
    encrypted = config.get("MAIL_USE_SSL") or config.get("MAIL_USE_TLS")
    if user and not encrypted and not _loopback(server):
        return Finding(
            "smtp", Status.WARN, f"{evidence}; the password crosses the network in clear"
        )
    return Finding("smtp", Status.OK, evidence)


def _converse(smtp: smtplib.SMTP, config: Mapping[str, Any], user: str | None) -> list[str]:
    code, _ = smtp.ehlo()
    if code != 250:
        raise smtplib.SMTPHeloError(code, b"EHLO refused")
    steps = ["TLS, EHLO 250" if config.get("MAIL_USE_SSL") else "EHLO 250"]
    if config.get("MAIL_USE_TLS"):
        if not smtp.has_extn("starttls"):
            # Mail sends nothing rather than talk in clear (see config.py), so this is fatal.
            raise smtplib.SMTPNotSupportedError(
                "the server offers no STARTTLS, so nothing would be sent "
                "(MAIL_USE_TLS=false is for a relay on this host only)"
            )
        smtp.starttls(context=ssl.create_default_context())
        smtp.ehlo()
        steps.append("STARTTLS")
    if user:
        smtp.login(user, config.get("MAIL_PASSWORD") or "")
        steps.append(f"logged in as {user}")
    return steps


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _without_password(url: str) -> str:
    return sa.engine.make_url(url).render_as_string(hide_password=True)


def _brief(exc: BaseException) -> str:
    """Return the first line of an error, without SQLAlchemy's statement and help link."""
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return (text[0].rstrip(".") if text else type(exc).__name__)[:300]
