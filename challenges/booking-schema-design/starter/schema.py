"""The booking service's schema: tables, constraints, indexes and triggers in one script."""

# Run with conn.executescript(SCHEMA) after PRAGMA foreign_keys = ON.
# The tables below have the required columns but enforce none of the rules yet.
SCHEMA = """
CREATE TABLE users (
    id         INTEGER PRIMARY KEY,
    email      TEXT,
    name       TEXT,
    created_at TEXT
);

CREATE TABLE rooms (
    id       INTEGER PRIMARY KEY,
    name     TEXT,
    capacity INTEGER
);

CREATE TABLE bookings (
    id         INTEGER PRIMARY KEY,
    room_id    INTEGER,
    user_id    INTEGER,
    starts_at  TEXT,
    ends_at    TEXT,
    status     TEXT,
    created_at TEXT
);
"""
