"""Flask extensions as module globals, bound to an app in create_app."""

from __future__ import annotations

import sqlite3
import threading

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mailman import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import Engine, MetaData, event
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    # Named constraints let Alembic alter them on SQLite (batch mode) and PostgreSQL alike.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class Database(SQLAlchemy):
    """Flask-SQLAlchemy, with SQLite connections set up for concurrent requests."""

    def init_app(self, app) -> None:
        super().init_app(app)
        with app.app_context():  # registers connection hooks; connects to nothing
            for engine in self.engines.values():
                tune_sqlite(engine)


db = Database(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
mail = Mail()  # sends only when MAIL_SERVER is set (assessor/services/mail.py)
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def tune_sqlite(engine: Engine) -> None:
    """Give each SQLite connection a write-ahead log, and queue this process's writers."""
    if engine.dialect.name != "sqlite":
        return
    factory = serialized_writes(threading.Lock())

    @event.listens_for(engine, "do_connect")
    def _connection_class(_dialect, _record, _cargs, cparams) -> None:
        cparams.setdefault("factory", factory)

    @event.listens_for(engine, "connect")
    def _write_ahead_log(dbapi_connection, _record) -> None:
        # The default rollback journal locks out readers while a write commits and syncs the
        # file several times per commit: concurrent autosaves queued behind each other for
        # seconds. With WAL, readers never wait and a commit is one append to the log, still
        # synced (synchronous stays FULL, so an acknowledged save survives a power cut).
        # The mode is stored in the file; an in-memory database keeps its own ("memory").
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
        finally:
            cursor.close()


_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def _is_write(sql: str) -> bool:
    return sql.lstrip()[:7].upper().startswith(_WRITES)


def serialized_writes(lock: threading.Lock) -> type[sqlite3.Connection]:
    """Return a connection class whose write transactions take `lock` from start to end.

    SQLite has one writer at a time, and a writer that finds the file locked sleeps in
    SQLite's busy handler (1, 2, 5 ... 100 ms) instead of waking when the lock is free. With a
    web process's threads all writing, those sleeps made most of the time an autosave took.
    Waiting on a lock of the process hands the turn over at once; SQLite still arbitrates
    between processes, and still decides every conflict.
    """

    class SerializedWrites(sqlite3.Connection):
        holds = False

        def cursor(self, factory=None):
            return super().cursor(factory or WriteCursor)

        def before(self, sql: str) -> None:
            if (
                self.holds
                or self.in_transaction
                or not sql.lstrip()[:7].upper().startswith(_WRITES)
            ):
                return
            # Never longer than SQLite itself would wait: a thread that writes through two
            # connections at once must not wait on itself for ever.
            self.holds = lock.acquire(timeout=WRITE_TURN_TIMEOUT_S)

        def release(self) -> None:
            if self.holds:
                self.holds = False
                lock.release()

        def commit(self) -> None:
            try:
                super().commit()
            finally:
                self.release()

        def rollback(self) -> None:
            try:
                super().rollback()
            finally:
                self.release()

        def close(self) -> None:
            try:
                super().close()
            finally:
                self.release()

    class WriteCursor(sqlite3.Cursor):
        def execute(self, sql, parameters=()):
            self.connection.before(sql)
            return super().execute(sql, parameters)

        def executemany(self, sql, seq_of_parameters):
            self.connection.before(sql)
            return super().executemany(sql, seq_of_parameters)

    return SerializedWrites


WRITE_TURN_TIMEOUT_S = 5.0  # pysqlite's own busy timeout
