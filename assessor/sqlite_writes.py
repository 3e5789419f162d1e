"""SQLite under concurrent requests: a write-ahead log, and writers that queue instead of sleep.

SQLite allows one writer at a time. A writer that finds the file locked sleeps in SQLite's busy
handler (1, 2, 5 ... up to 100 ms a nap) and does not wake when the lock frees, so with a web
server's threads and processes all autosaving, most of a save's time went to those naps. Here
a connection takes a writer's turn before the first write of a transaction and gives it back at
commit or rollback: threads of a process queue on a lock, processes on an advisory file lock
beside the database. The turn is handed over at once. SQLite still arbitrates, and still
decides every conflict: the turn only orders writers who would have waited anyway.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import threading
import time

from sqlalchemy import Engine, event

# Never wait for a turn longer than SQLite itself would (pysqlite's busy timeout): past it the
# write goes ahead and SQLite decides, so a stuck writer cannot stall the others for ever.
TURN_TIMEOUT_S = 5.0
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


def tune(engine: Engine) -> None:
    """Give each SQLite connection of `engine` a write-ahead log and a writer's turn."""
    if engine.dialect.name != "sqlite":
        return
    database = engine.url.database or ""
    on_disk = database not in ("", ":memory:") and not database.startswith("file:")
    factory = serialized_writes(threading.Lock(), f"{database}-writer.lock" if on_disk else None)

    @event.listens_for(engine, "do_connect")
    def _connection_class(_dialect, _record, _cargs, cparams) -> None:
        cparams.setdefault("factory", factory)

    @event.listens_for(engine, "connect")
    def _write_ahead_log(dbapi_connection, _record) -> None:
        # The rollback journal locks readers out while a write commits and syncs the file
        # several times per commit. With WAL readers never wait, and a commit is one append to
        # the log, still synced (synchronous stays FULL: an acknowledged save survives a power
        # cut). The mode is stored in the file; an in-memory database keeps "memory".
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
        finally:
            cursor.close()


def is_write(sql: str) -> bool:
    """Tell whether a statement writes (and so, outside a transaction, begins one)."""
    return sql.lstrip()[:7].upper().startswith(_WRITES)


def serialized_writes(lock: threading.Lock, lock_path: str | None) -> type[sqlite3.Connection]:
    """Return a connection class whose write transactions hold a writer's turn.

    The turn is `lock` between the threads of this process, and an exclusive flock() on
    `lock_path` (when given) between processes.
    """

    class SerializedWrites(sqlite3.Connection):
        holds = False
        lock_fd: int | None = None

        def cursor(self, factory=None):
            return super().cursor(factory or WriteCursor)

        def before(self, sql: str) -> None:
            """Take the writer's turn before a transaction's first write."""
            if self.holds or self.in_transaction or not is_write(sql):
                return
            deadline = time.monotonic() + TURN_TIMEOUT_S
            if not lock.acquire(timeout=TURN_TIMEOUT_S):
                return
            fd = self._lock_file()
            if fd is not None and not _flock(fd, deadline):
                lock.release()
                return
            self.holds = True

        def after(self) -> None:
            """Give the turn back at once if the statement left no transaction open."""
            if self.holds and not self.in_transaction:  # autocommit, or it never began
                self.release()

        def _lock_file(self) -> int | None:
            if self.lock_fd is None and lock_path is not None:
                try:
                    flags = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC
                    self.lock_fd = os.open(lock_path, flags, 0o600)
                except OSError:  # no lock file, no turn between processes: SQLite still decides
                    return None
            return self.lock_fd

        def release(self) -> None:
            """Give the turn back (after commit or rollback)."""
            if not self.holds:
                return
            self.holds = False
            if self.lock_fd is not None:
                fcntl.flock(self.lock_fd, fcntl.LOCK_UN)
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
                if self.lock_fd is not None:
                    with contextlib.suppress(OSError):
                        os.close(self.lock_fd)
                    self.lock_fd = None

    class WriteCursor(sqlite3.Cursor):
        def execute(self, sql, parameters=()):
            self.connection.before(sql)
            try:
                return super().execute(sql, parameters)
            finally:
                self.connection.after()

        def executemany(self, sql, seq_of_parameters):
            self.connection.before(sql)
            try:
                return super().executemany(sql, seq_of_parameters)
            finally:
                self.connection.after()

    return SerializedWrites


def _flock(fd: int, deadline: float) -> bool:
    """Take an exclusive flock on `fd` by `deadline`; only one thread per process polls."""
    pause = 0.0001
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            # Short naps: a turn lasts about a millisecond, and is handed over between processes
            # within a fraction of one (SQLite's own handler would nap up to 100 ms).
            time.sleep(pause)
            pause = min(pause * 2, 0.001)
