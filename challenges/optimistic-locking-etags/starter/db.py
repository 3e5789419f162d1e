"""Wiki storage (read-only). Tests open the database with this schema and seed it themselves."""

import sqlite3

SCHEMA = """
CREATE TABLE IF NOT EXISTS pages (
    id      INTEGER PRIMARY KEY,
    slug    TEXT NOT NULL UNIQUE,
    title   TEXT NOT NULL,
    body    TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1)
);
"""


def connect(path: str) -> sqlite3.Connection:
    """Open the database in autocommit mode (transactions only where you BEGIN them)."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.executescript(SCHEMA)
    return conn
