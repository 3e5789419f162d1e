import random
import re
import sqlite3

import pytest

import schema


def make_db():
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.executescript(schema.SCHEMA)
    return conn


def count(conn, sql, params=()):
    value = conn.execute(sql, params).fetchone()[0]
    assert type(value) is int
    return value


def book(conn, room, user, start, end, status="confirmed"):
    cur = conn.execute(
        "INSERT INTO bookings (room_id, user_id, starts_at, ends_at, status) VALUES (?, ?, ?, ?, ?)",
        (room, user, start, end, status),
    )
    return cur.lastrowid


def refused(conn, sql, params=()):
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute(sql, params)


def plan(conn, sql, params):
    return [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql, params)]


def assert_no_full_scan(details, table):
    for d in details:
        assert not (re.match(rf"SCAN (TABLE )?{table}\b", d) and "INDEX" not in d), details


D = "2024-05-01 "


@pytest.fixture
def conn():
    conn = make_db()
    conn.executemany("INSERT INTO users (email, name) VALUES (?, ?)",
                     [("ann@example.com", "Ann"), ("bob@example.com", "Bob"), ("cid@example.com", "Cid")])
    conn.executemany("INSERT INTO rooms (name, capacity) VALUES (?, ?)", [("Atlas", 8), ("Borealis", 4)])
    yield conn
    conn.close()


@pytest.mark.points(2)
def test_user_rules(conn):
    refused(conn, "INSERT INTO users (email, name) VALUES (NULL, 'X')")
    refused(conn, "INSERT INTO users (email, name) VALUES ('x@example.com', NULL)")
    refused(conn, "INSERT INTO users (email, name) VALUES ('Bob@Example.Com', 'Bobby')")
    refused(conn, "UPDATE users SET email = 'ANN@EXAMPLE.COM' WHERE id = 2")
    conn.execute("INSERT INTO users (email, name) VALUES ('bob@example.org', 'Bob two')")
    conn.execute("UPDATE users SET email = 'Ann@Example.com' WHERE id = 1")  # own email, new case
    created = conn.execute("SELECT created_at FROM users WHERE email = 'bob@example.org'").fetchone()[0]
    assert type(created) is str and created.startswith("20")


@pytest.mark.points(2)
def test_room_rules(conn):
    refused(conn, "INSERT INTO rooms (name, capacity) VALUES (NULL, 5)")
    refused(conn, "INSERT INTO rooms (name, capacity) VALUES ('Atlas', 5)")
    for bad in (0, 501, -3, None):
        refused(conn, "INSERT INTO rooms (name, capacity) VALUES ('Cosmos', ?)", (bad,))
    refused(conn, "INSERT INTO rooms (name) VALUES ('Cosmos')")
    conn.execute("INSERT INTO rooms (name, capacity) VALUES ('Cosmos', 1)")
    conn.execute("INSERT INTO rooms (name, capacity) VALUES ('Delta', 500)")
    refused(conn, "UPDATE rooms SET capacity = 0 WHERE name = 'Delta'")


@pytest.mark.points(2)
def test_booking_required_columns_and_references(conn):
    cols = ["room_id", "user_id", "starts_at", "ends_at", "status"]
    good = [1, 1, D + "09:00", D + "10:00", "pending"]
    for i, col in enumerate(cols):
        values = list(good)
        values[i] = None
        refused(conn, f"INSERT INTO bookings ({', '.join(cols)}) VALUES (?, ?, ?, ?, ?)", values)
    refused(conn, "INSERT INTO bookings (room_id, user_id, starts_at, ends_at) VALUES (99, 1, ?, ?)", (D + "09:00", D + "10:00"))
    refused(conn, "INSERT INTO bookings (room_id, user_id, starts_at, ends_at) VALUES (1, 99, ?, ?)", (D + "09:00", D + "10:00"))
    booking = book(conn, 1, 1, D + "09:00", D + "10:00", "pending")
    refused(conn, "UPDATE bookings SET user_id = 99 WHERE id = ?", (booking,))
    assert count(conn, "SELECT count(*) FROM bookings") == 1


@pytest.mark.points(2)
def test_interval_status_and_defaults(conn):
    refused(conn, "INSERT INTO bookings (room_id, user_id, starts_at, ends_at) VALUES (1, 1, ?, ?)", (D + "09:00", D + "09:00"))
    refused(conn, "INSERT INTO bookings (room_id, user_id, starts_at, ends_at) VALUES (1, 1, ?, ?)", (D + "09:01", D + "09:00"))
    for bad in ("CONFIRMED", "done", ""):
        refused(conn, "INSERT INTO bookings (room_id, user_id, starts_at, ends_at, status) VALUES (1, 1, ?, ?, ?)",
                (D + "09:00", D + "10:00", bad))
    cur = conn.execute("INSERT INTO bookings (room_id, user_id, starts_at, ends_at) VALUES (1, 1, ?, ?)", (D + "09:00", D + "09:01"))
    status, created = conn.execute("SELECT status, created_at FROM bookings WHERE id = ?", (cur.lastrowid,)).fetchone()
    assert type(status) is str and status == "pending"
    assert type(created) is str and created.startswith("20")
    refused(conn, "UPDATE bookings SET ends_at = starts_at WHERE id = ?", (cur.lastrowid,))
    refused(conn, "UPDATE bookings SET status = 'archived' WHERE id = ?", (cur.lastrowid,))


@pytest.mark.points(4)
def test_overlap_on_insert(conn):
    book(conn, 1, 1, D + "10:00", D + "12:00")
    for start, end in [("09:00", "10:01"), ("11:59", "13:00"), ("10:00", "12:00"), ("10:30", "11:00"), ("09:00", "13:00")]:
        with pytest.raises(sqlite3.IntegrityError):
            book(conn, 1, 2, D + start, D + end)
    book(conn, 1, 2, D + "09:00", D + "10:00")      # ends exactly when the other starts
    book(conn, 1, 2, D + "12:00", D + "12:30")      # starts exactly when the other ends
    book(conn, 2, 2, D + "10:00", D + "12:00")      # another room
    book(conn, 1, 3, D + "10:30", D + "11:00", "pending")
    book(conn, 1, 3, D + "10:30", D + "11:00", "cancelled")
    book(conn, 1, 3, "2024-05-02 10:00", "2024-05-02 12:00")
    assert count(conn, "SELECT count(*) FROM bookings WHERE status = 'confirmed'") == 5


@pytest.mark.points(4)
def test_overlap_on_update(conn):
    first = book(conn, 1, 1, D + "10:00", D + "11:00")
    pending = book(conn, 1, 2, D + "10:30", D + "11:30", "pending")
    other_room = book(conn, 2, 2, D + "10:30", D + "11:30")
    later = book(conn, 1, 3, D + "14:00", D + "15:00")

    refused(conn, "UPDATE bookings SET status = 'confirmed' WHERE id = ?", (pending,))
    refused(conn, "UPDATE bookings SET starts_at = ?, ends_at = ? WHERE id = ?", (D + "10:45", D + "11:15", later))
    refused(conn, "UPDATE bookings SET ends_at = ? WHERE id = ?", (D + "14:01", first))
    refused(conn, "UPDATE bookings SET room_id = 1 WHERE id = ?", (other_room,))

    # A booking never conflicts with itself.
    conn.execute("UPDATE bookings SET ends_at = ? WHERE id = ?", (D + "12:00", first))
    conn.execute("UPDATE bookings SET starts_at = ? WHERE id = ?", (D + "09:00", first))
    conn.execute("UPDATE bookings SET user_id = 2 WHERE id = ?", (first,))
    conn.execute("UPDATE bookings SET ends_at = ? WHERE id = ?", (D + "14:00", first))  # now back to back with `later`

    conn.execute("UPDATE bookings SET status = 'cancelled' WHERE id = ?", (first,))
    conn.execute("UPDATE bookings SET status = 'confirmed' WHERE id = ?", (pending,))
    refused(conn, "UPDATE bookings SET status = 'confirmed' WHERE id = ?", (first,))
    rows = conn.execute("SELECT id, status FROM bookings ORDER BY id").fetchall()
    assert rows == [(first, "cancelled"), (pending, "confirmed"), (other_room, "confirmed"), (later, "confirmed")]


def slot(q):
    """Quarter-hour slot number -> ordered timestamp text."""
    return f"2024-06-{1 + q // 96:02d} {q % 96 // 4:02d}:{q % 4 * 15:02d}"


@pytest.mark.points(3)
def test_generated_booking_sequence(conn):
    rng = random.Random(99)
    accepted = []  # (room, start, end) of confirmed bookings the database kept
    for _ in range(300):
        room = rng.randint(1, 2)
        start = rng.randint(0, 95)
        end = start + rng.randint(1, 8)
        status = rng.choice(["confirmed", "confirmed", "pending", "cancelled"])
        clash = status == "confirmed" and any(r == room and s < end and start < e for r, s, e in accepted)
        if clash:
            with pytest.raises(sqlite3.IntegrityError):
                book(conn, room, 1, slot(start), slot(end), status)
        else:
            book(conn, room, 1, slot(start), slot(end), status)
            if status == "confirmed":
                accepted.append((room, start, end))
    assert count(conn, "SELECT count(*) FROM bookings WHERE status = 'confirmed'") == len(accepted)


@pytest.mark.points(2)
def test_delete_rules(conn):
    book(conn, 1, 1, D + "09:00", D + "10:00")
    book(conn, 1, 2, D + "10:00", D + "11:00", "cancelled")
    book(conn, 2, 2, D + "10:00", D + "11:00", "pending")
    refused(conn, "DELETE FROM users WHERE id = 1")
    refused(conn, "DELETE FROM users WHERE id = 2")  # only cancelled/pending bookings: still refused
    conn.execute("DELETE FROM users WHERE id = 3")  # no bookings
    conn.execute("DELETE FROM rooms WHERE id = 1")
    assert count(conn, "SELECT count(*) FROM bookings") == 1
    assert count(conn, "SELECT count(*) FROM bookings WHERE room_id = 1") == 0
    assert count(conn, "SELECT count(*) FROM users") == 2


@pytest.mark.points(3)
@pytest.mark.skill("performance")
def test_query_plans(conn):
    book(conn, 1, 1, D + "09:00", D + "10:00")
    q1 = plan(conn, "SELECT id FROM bookings WHERE room_id = ? AND status = 'confirmed' AND starts_at < ? AND ends_at > ?",
              (1, D + "12:00", D + "11:00"))
    assert_no_full_scan(q1, "bookings")
    q2 = plan(conn, "SELECT id, room_id, starts_at, ends_at, status FROM bookings WHERE user_id = ? ORDER BY starts_at DESC LIMIT 20", (1,))
    assert_no_full_scan(q2, "bookings")
    assert not any("TEMP B-TREE" in d for d in q2), q2
    q3 = plan(conn, "SELECT id, name FROM users WHERE email = ?", ("ann@example.com",))
    assert_no_full_scan(q3, "users")


@pytest.mark.points(2)
@pytest.mark.skill("sql")
def test_queries_return_the_right_rows(conn):
    ids = [book(conn, 1, 2, f"2024-05-{day:02d} 09:00", f"2024-05-{day:02d} 10:00") for day in range(1, 26)]
    rows = conn.execute("SELECT id, room_id, starts_at, ends_at, status FROM bookings "
                        "WHERE user_id = ? ORDER BY starts_at DESC LIMIT 20", (2,)).fetchall()
    assert [r[0] for r in rows] == ids[::-1][:20]
    rows = conn.execute("SELECT id FROM bookings WHERE room_id = ? AND status = 'confirmed' AND starts_at < ? AND ends_at > ?",
                        (1, "2024-05-03 09:30", "2024-05-02 09:30")).fetchall()
    assert rows == [(ids[1],), (ids[2],)] or rows == [(ids[2],), (ids[1],)]
    for typed in ("cid@example.com", "CID@EXAMPLE.COM", "Cid@Example.Com"):
        assert conn.execute("SELECT id, name FROM users WHERE email = ?", (typed,)).fetchall() == [(3, "Cid")]
    assert conn.execute("SELECT id, name FROM users WHERE email = ?", ("cid@example.co",)).fetchall() == []
