import re
import sqlite3

import pytest

import schema


def make_db():
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.executescript(schema.SCHEMA)
    return conn


def book(conn, room, user, start, end, status="confirmed"):
    cur = conn.execute(
        "INSERT INTO bookings (room_id, user_id, starts_at, ends_at, status) VALUES (?, ?, ?, ?, ?)",
        (room, user, start, end, status),
    )
    return cur.lastrowid


@pytest.fixture
def conn():
    conn = make_db()
    conn.execute("INSERT INTO users (email, name) VALUES ('ann@example.com', 'Ann')")
    conn.execute("INSERT INTO rooms (name, capacity) VALUES ('Atlas', 8)")
    yield conn
    conn.close()


@pytest.mark.points(2)
def test_overlapping_confirmed_booking_is_refused(conn):
    book(conn, 1, 1, "2024-05-01 09:00", "2024-05-01 10:00")
    book(conn, 1, 1, "2024-05-01 10:00", "2024-05-01 11:00")  # back to back is fine
    with pytest.raises(sqlite3.IntegrityError):
        book(conn, 1, 1, "2024-05-01 09:30", "2024-05-01 10:30")
    count = conn.execute("SELECT count(*) FROM bookings").fetchone()[0]
    assert type(count) is int and count == 2


def test_email_unique_ignoring_case(conn):
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO users (email, name) VALUES ('ANN@example.com', 'Ann again')")
    rows = conn.execute("SELECT id, name FROM users WHERE email = ?", ("ANN@Example.COM",)).fetchall()
    assert rows == [(1, "Ann")] and type(rows[0][0]) is int


def test_start_before_end(conn):
    with pytest.raises(sqlite3.IntegrityError):
        book(conn, 1, 1, "2024-05-01 10:00", "2024-05-01 09:00")


@pytest.mark.points(2)
@pytest.mark.skill("performance")
def test_my_bookings_query_uses_index_without_sorting(conn):
    details = [row[3] for row in conn.execute(
        "EXPLAIN QUERY PLAN SELECT id, room_id, starts_at, ends_at, status FROM bookings "
        "WHERE user_id = ? ORDER BY starts_at DESC LIMIT 20", (1,))]
    assert not any(re.match(r"SCAN (TABLE )?bookings\b", d) and "INDEX" not in d for d in details), details
    assert not any("TEMP B-TREE" in d for d in details), details
