import sqlite3

import pytest

import db
from app import create_app


def new_database():
    """Create the audit database in the tester: the app's statements then run here, measured."""
    conn = sqlite3.connect(":memory:", check_same_thread=False)
    conn.executescript(db.SCHEMA)
    return conn


def stamp(second):
    return f"2024-05-01T09:{second // 60:02d}:{second % 60:02d}.000000Z"


@pytest.fixture
def setup():
    conn = new_database()
    # ids 1..9; timestamps repeat: two or three events per second
    seconds = [1, 1, 2, 2, 2, 3, 4, 5, 5]
    conn.executemany("INSERT INTO audit_events (actor, action, created_at) VALUES (?, ?, ?)",
                     [("ann" if i % 2 == 0 else "bob", "login", stamp(s)) for i, s in enumerate(seconds)])
    return conn, create_app(conn).test_client()


def walk(client, query):
    pages, cursor = [], None
    while True:
        url = f"/audit-events?{query}" + (f"&cursor={cursor}" if cursor else "")
        resp = client.get(url)
        assert resp.status_code == 200, resp.data
        body = resp.get_json()
        pages.append([item["id"] for item in body["items"]])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages
        assert type(cursor) is str and len(pages) < 50


@pytest.mark.points(2)
def test_first_page(setup):
    _, client = setup
    body = client.get("/audit-events?limit=2").get_json()
    assert body["items"] == [
        {"id": 9, "actor": "ann", "action": "login", "created_at": stamp(5)},
        {"id": 8, "actor": "bob", "action": "login", "created_at": stamp(5)},
    ]
    assert type(body["next_cursor"]) is str


@pytest.mark.points(3)
def test_walk_visits_every_event_once(setup):
    _, client = setup
    assert walk(client, "limit=2") == [[9, 8], [7, 6], [5, 4], [3, 2], [1]]
    assert walk(client, "limit=3") == [[9, 8, 7], [6, 5, 4], [3, 2, 1]]


def test_actor_filter(setup):
    _, client = setup
    assert walk(client, "limit=2&actor=ann") == [[9, 7], [5, 3], [1]]


def test_bad_cursor(setup):
    _, client = setup
    resp = client.get("/audit-events?cursor=not-a-cursor")
    assert resp.status_code == 400
    assert resp.get_json()["error"]["code"] == "invalid_cursor"
