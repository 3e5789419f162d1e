"""The booking service's schema: tables, constraints, indexes and triggers in one script."""

# Run with conn.executescript(SCHEMA) after PRAGMA foreign_keys = ON.
SCHEMA = """
CREATE TABLE users (
    id         INTEGER PRIMARY KEY,
    email      TEXT NOT NULL UNIQUE,
    name       TEXT NOT NULL,
    created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE rooms (
    id       INTEGER PRIMARY KEY,
    name     TEXT NOT NULL UNIQUE,
    capacity INTEGER NOT NULL CHECK (capacity BETWEEN 1 AND 500)
);

CREATE TABLE bookings (
    id         INTEGER PRIMARY KEY,
    room_id    INTEGER NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE RESTRICT,
    starts_at  TEXT NOT NULL,
    ends_at    TEXT NOT NULL,
    status     TEXT NOT NULL DEFAULT 'pending'
               CHECK (status IN ('pending', 'confirmed', 'cancelled')),
    created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CHECK (starts_at < ends_at)
);

CREATE UNIQUE INDEX users_email_lower ON users (lower(email));

-- Availability checks and the overlap triggers; also covers the ON DELETE CASCADE lookup.
CREATE INDEX bookings_room_starts ON bookings (room_id, starts_at);
-- "My bookings" newest first, read straight from the index without sorting; also serves RESTRICT.
CREATE INDEX bookings_user_starts ON bookings (user_id, starts_at);

-- SQLite has no exclusion constraints, so overlap is refused by triggers.
-- Half-open intervals [starts_at, ends_at) overlap iff each starts before the other ends.
CREATE TRIGGER bookings_no_overlap_insert
BEFORE INSERT ON bookings
WHEN NEW.status = 'confirmed'
BEGIN
    SELECT RAISE(ABORT, 'room is already booked for an overlapping period')
    WHERE EXISTS (
        SELECT 1 FROM bookings AS b
        WHERE b.room_id = NEW.room_id
          AND b.status = 'confirmed'
          AND b.starts_at < NEW.ends_at
          AND b.ends_at > NEW.starts_at
    );
END;

CREATE TRIGGER bookings_no_overlap_update
BEFORE UPDATE OF room_id, starts_at, ends_at, status ON bookings
WHEN NEW.status = 'confirmed'
BEGIN
    SELECT RAISE(ABORT, 'room is already booked for an overlapping period')
    WHERE EXISTS (
        SELECT 1 FROM bookings AS b
        WHERE b.room_id = NEW.room_id
          AND b.id <> NEW.id
          AND b.status = 'confirmed'
          AND b.starts_at < NEW.ends_at
          AND b.ends_at > NEW.starts_at
    );
END;
"""
