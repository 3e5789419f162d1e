"""SQLite connections: a write-ahead log, and writers that take turns instead of sleeping."""

import fcntl
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text

from assessor import create_app, sqlite_writes
from assessor.extensions import db
from assessor.sqlite_writes import serialized_writes


@pytest.fixture
def connect(tmp_path):
    """Open connections of the serialized class on one file; return (connect, lock)."""
    lock = threading.Lock()
    factory = serialized_writes(lock, str(tmp_path / "w.sqlite3-writer.lock"))
    opened = []

    def _connect():
        conn = sqlite3.connect(tmp_path / "w.sqlite3", factory=factory, check_same_thread=False)
        opened.append(conn)
        return conn

    first = _connect()
    first.execute("CREATE TABLE t (x INTEGER)")
    first.commit()
    yield _connect, lock
    for conn in opened:
        conn.close()


def test_a_sqlite_database_file_is_opened_with_a_write_ahead_log(tmp_path):
    url = f"sqlite:///{tmp_path / 'wal.sqlite3'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_DIR": str(tmp_path)})
    with app.app_context():
        with db.engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL: synced
        db.engine.dispose()


def test_a_write_holds_the_lock_until_commit_and_a_read_never_takes_it(connect):
    open_, lock = connect
    conn = open_()
    conn.cursor().execute("SELECT count(*) FROM t").fetchall()
    assert not lock.locked()
    conn.cursor().execute("INSERT INTO t VALUES (1)")
    assert lock.locked()
    conn.cursor().execute("UPDATE t SET x = 2")  # the same transaction: taken once
    conn.commit()
    assert not lock.locked()


def test_rollback_and_close_release_the_lock(connect):
    open_, lock = connect
    conn = open_()
    conn.cursor().executemany("INSERT INTO t VALUES (?)", [(1,), (2,)])
    assert lock.locked()
    conn.rollback()
    assert not lock.locked()
    conn.cursor().execute("DELETE FROM t")
    conn.close()
    assert not lock.locked()


def test_another_process_waits_for_the_turn_on_the_lock_file(connect, tmp_path):
    open_, _ = connect
    writer = open_()
    writer.cursor().execute("INSERT INTO t VALUES (1)")
    other = open(tmp_path / "w.sqlite3-writer.lock", "rb")  # noqa: SIM115 - closed below
    try:
        with pytest.raises(BlockingIOError):
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
        writer.commit()
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)  # free once the writer committed
        fcntl.flock(other, fcntl.LOCK_UN)
    finally:
        other.close()


def test_a_write_outside_a_transaction_gives_the_turn_back_at_once(connect):
    open_, lock = connect
    conn = open_()
    conn.isolation_level = None  # autocommit: each statement is its own transaction
    conn.cursor().execute("INSERT INTO t VALUES (1)")
    assert not lock.locked()


def test_without_a_lock_file_writes_still_go_through(tmp_path):
    lock = threading.Lock()
    factory = serialized_writes(lock, str(tmp_path / "missing" / "db-writer.lock"))
    conn = sqlite3.connect(tmp_path / "w.sqlite3", factory=factory)
    try:
        conn.cursor().execute("CREATE TABLE t (x INTEGER)")
        conn.cursor().execute("INSERT INTO t VALUES (1)")
        assert lock.locked()  # the turn between threads still holds
        conn.commit()
        assert not lock.locked()
        assert conn.execute("SELECT count(*) FROM t").fetchone() == (1,)
    finally:
        conn.close()


def test_a_writer_waits_no_longer_than_sqlite_would(connect, monkeypatch):
    """Two connections written from one thread must not wait on each other for ever."""
    monkeypatch.setattr(sqlite_writes, "TURN_TIMEOUT_S", 0.01)
    open_, lock = connect
    first, second = open_(), open_()
    first.cursor().execute("INSERT INTO t VALUES (1)")
    first.commit()
    lock.acquire()  # someone else's turn that never ends
    try:
        second.cursor().execute("INSERT INTO t VALUES (2)")  # goes ahead without the lock
        second.commit()
    finally:
        lock.release()
    assert first.execute("SELECT count(*) FROM t").fetchone() == (2,)


def test_concurrent_writers_of_one_app_lose_nothing(tmp_path):
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'app.sqlite3'}",
            "INSTANCE_DIR": str(tmp_path),
        }
    )
    with app.app_context():
        db.session.execute(text("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER)"))
        db.session.execute(text("INSERT INTO counter VALUES (1, 0)"))
        db.session.commit()

    def bump(_):
        done = 0
        with app.app_context():
            for _ in range(1000):  # bounded: a lost race is retried, a deadlock fails
                # Read, then compare-and-set, as an autosave does.
                n = db.session.execute(text("SELECT n FROM counter")).scalar()
                done += db.session.execute(
                    text("UPDATE counter SET n = :next WHERE n = :n"), {"n": n, "next": n + 1}
                ).rowcount
                db.session.commit()
                if done == 25:
                    break
            db.session.remove()
        return done

    with ThreadPoolExecutor(max_workers=8) as pool:
        bumps = list(pool.map(bump, range(8)))
    with app.app_context():
        total = db.session.execute(text("SELECT n FROM counter")).scalar()
        db.engine.dispose()
    assert bumps == [25] * 8
    assert total == 200
