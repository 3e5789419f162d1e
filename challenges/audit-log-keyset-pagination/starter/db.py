"""Audit log schema (read-only). Tests create the database and insert events themselves."""

import sqlite3

SCHEMA = """
CREATE TABLE audit_events (
    id         INTEGER PRIMARY KEY,
    actor      TEXT NOT NULL,
    action     TEXT NOT NULL,
    created_at TEXT NOT NULL  -- UTC, fixed width: 'YYYY-MM-DDTHH:MM:SS.ffffffZ'
);
CREATE INDEX audit_events_created ON audit_events (created_at, id);
CREATE INDEX audit_events_actor_created ON audit_events (actor, created_at, id);
"""


def connect() -> sqlite3.Connection:
    """Return a new in-memory database with the schema created."""
    conn = sqlite3.connect(":memory:", check_same_thread=False)
    conn.executescript(SCHEMA)
    return conn
