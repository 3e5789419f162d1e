import base64
import random
import sqlite3

import pytest

import db
from app import create_app


def new_database():
    """Create the audit database in the tester: the app's statements then run here, measured."""
    conn = sqlite3.connect(":memory:", check_same_thread=False)
    conn.executescript(db.SCHEMA)
    return conn


def stamp(second, micro=0):
    return f"2024-05-01T{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}.{micro:06d}Z"


def insert(conn, events):
    conn.executemany("INSERT INTO audit_events (actor, action, created_at) VALUES (?, ?, ?)", events)


def get(client, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return client.get(f"/audit-events?{query}")


def page(client, **params):
    resp = get(client, **params)
    assert resp.status_code == 200, resp.data
    body = resp.get_json()
    assert isinstance(body, dict) and set(body) == {"items", "next_cursor"}, body
    assert isinstance(body["items"], list)
    assert body["next_cursor"] is None or (type(body["next_cursor"]) is str and body["next_cursor"])
    return body


def walk(client, limit, actor=None, between_pages=None):
    ids, cursor, pages = [], None, 0
    while True:
        params = {"limit": limit}
        if actor is not None:
            params["actor"] = actor
        if cursor is not None:
            params["cursor"] = cursor
        body = page(client, **params)
        assert len(body["items"]) <= limit
        ids += [item["id"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return ids, pages
        assert body["items"], "a page with a next_cursor must not be empty"
        if between_pages:
            between_pages(pages)
        assert pages < 1000


def expected_ids(conn, actor=None):
    sql = "SELECT id FROM audit_events" + (" WHERE actor = ?" if actor else "") + " ORDER BY created_at DESC, id DESC"
    return [r[0] for r in conn.execute(sql, (actor,) if actor else ())]


def error_code(resp):
    assert resp.status_code == 400, (resp.status_code, resp.data)
    body = resp.get_json()
    assert isinstance(body, dict) and isinstance(body.get("error"), dict), body
    assert isinstance(body["error"].get("message"), str)
    return body["error"].get("code")


@pytest.fixture
def mixed():
    rng = random.Random(5)
    conn = new_database()
    events = []
    for second in range(120):
        for _ in range(rng.choice([0, 1, 1, 2, 3, 5])):
            events.append((rng.choice(["ann", "bob", "cid"]), rng.choice(["login", "export", "delete"]), stamp(second)))
    rng.shuffle(events)  # insertion order (ids) does not follow time order
    insert(conn, events)
    return conn, create_app(conn).test_client()


@pytest.mark.points(3)
def test_items_and_order(mixed):
    conn, client = mixed
    body = page(client, limit=7)
    rows = conn.execute("SELECT id, actor, action, created_at FROM audit_events ORDER BY created_at DESC, id DESC LIMIT 7").fetchall()
    assert body["items"] == [{"id": i, "actor": a, "action": act, "created_at": c} for i, a, act, c in rows]
    for item in body["items"]:
        assert type(item["id"]) is int and all(type(item[k]) is str for k in ("actor", "action", "created_at"))
    assert page(client)["items"] == page(client, limit=50)["items"]
    assert len(page(client)["items"]) == 50


@pytest.mark.points(4)
@pytest.mark.skill("sql")
def test_walks_are_complete_with_ties(mixed):
    conn, client = mixed
    for limit in (1, 2, 5, 7, 50, 200):
        ids, _ = walk(client, limit)
        assert ids == expected_ids(conn), limit
    for actor in ("ann", "bob", "nobody"):
        for limit in (3, 200):
            ids, _ = walk(client, limit, actor=actor)
            assert ids == expected_ids(conn, actor), (actor, limit)


@pytest.mark.points(3)
@pytest.mark.skill("sql")
def test_one_timestamp_for_everything():
    conn = new_database()
    insert(conn, [("ann", "login", stamp(0))] * 25)
    client = create_app(conn).test_client()
    ids, pages = walk(client, 10)
    assert ids == list(range(25, 0, -1)) and pages == 3


@pytest.mark.points(3)
def test_no_empty_last_page():
    conn = new_database()
    insert(conn, [("ann", "login", stamp(s)) for s in range(20)])
    client = create_app(conn).test_client()
    second = page(client, limit=10, cursor=page(client, limit=10)["next_cursor"])
    assert [i["id"] for i in second["items"]] == list(range(10, 0, -1))
    assert second["next_cursor"] is None
    assert page(client, limit=20)["next_cursor"] is None
    assert page(client, limit=19)["next_cursor"] is not None
    empty = create_app(new_database()).test_client()
    assert page(empty) == {"items": [], "next_cursor": None}


@pytest.mark.points(4)
def test_inserts_during_a_walk_cause_no_duplicates_or_gaps(mixed):
    conn, client = mixed
    before = expected_ids(conn)
    counter = iter(range(10_000))

    def new_events(_page_number):
        n = next(counter)
        insert(conn, [("ann", "login", stamp(200 + n)), ("bob", "login", stamp(200 + n))])

    ids, _ = walk(client, 6, between_pages=new_events)
    assert ids == before
    # New events are newer than the walk's position: they belong to a future first page.
    before_ann = expected_ids(conn, "ann")
    ids, _ = walk(client, 4, actor="ann", between_pages=new_events)
    assert ids == before_ann
    assert page(client, limit=1, actor="ann")["items"][0]["id"] == expected_ids(conn, "ann")[0]


@pytest.mark.points(2)
def test_bad_parameters(mixed):
    _, client = mixed
    for value in ("0", "201", "-1", "ten", "", "1.5", "²"):
        assert error_code(get(client, limit=value)) == "bad_request", value
    assert error_code(get(client, actor="")) == "bad_request"
    assert len(page(client, limit="200")["items"]) == 200
    assert len(page(client, limit="1")["items"]) == 1


@pytest.mark.points(3)
def test_invalid_cursors(mixed):
    _, client = mixed
    garbage = ["", "x", "not-a-cursor", "!!!!", "%00", "eyJ", base64.urlsafe_b64encode(b"[]").decode(),
               base64.urlsafe_b64encode(b"{}").decode(), base64.urlsafe_b64encode(b'{"c": 1}').decode(),
               base64.urlsafe_b64encode(b"\xff\xfe\x00").decode()]
    for cursor in garbage:
        assert error_code(get(client, cursor=cursor)) == "invalid_cursor", cursor
    ann_cursor = page(client, limit=2, actor="ann")["next_cursor"]
    all_cursor = page(client, limit=2)["next_cursor"]
    assert error_code(get(client, cursor=ann_cursor)) == "invalid_cursor"
    assert error_code(get(client, cursor=ann_cursor, actor="bob")) == "invalid_cursor"
    assert error_code(get(client, cursor=all_cursor, actor="ann")) == "invalid_cursor"
    assert page(client, cursor=ann_cursor, actor="ann", limit=2)["items"]


@pytest.fixture(scope="module")
def big():
    rng = random.Random(11)
    conn = new_database()
    insert(conn, [(f"user{rng.randint(1, 4)}", "login", stamp(i // 3, rng.randint(0, 2))) for i in range(20_000)])
    return conn


def costs_of_walk(conn, client, **params):
    steps = [0]

    def tick():
        steps[0] += 1
        return 0

    statements = []
    costs, cursor = [], None
    conn.set_trace_callback(statements.append)
    conn.set_progress_handler(tick, 1)
    try:
        while True:
            query = dict(params, **({"cursor": cursor} if cursor else {}))
            steps[0] = 0
            statements.clear()
            body = page(client, **query)
            costs.append(steps[0])
            assert len(statements) == 1, statements
            cursor = body["next_cursor"]
            if cursor is None:
                return costs
    finally:
        conn.set_progress_handler(None, 1)
        conn.set_trace_callback(None)


def full_scan_cost(conn):
    steps = [0]

    def tick():
        steps[0] += 1
        return 0

    conn.set_progress_handler(tick, 1)
    try:
        conn.execute("SELECT count(*) FROM audit_events WHERE action <> ''").fetchone()
    finally:
        conn.set_progress_handler(None, 1)
    return steps[0]


@pytest.mark.points(4)
@pytest.mark.skill("performance")
def test_page_cost_does_not_grow_with_depth(big):
    client = create_app(big).test_client()
    full = full_scan_cost(big)
    for params in ({"limit": 200}, {"limit": 200, "actor": "user2"}):
        costs = costs_of_walk(big, client, **params)
        assert len(costs) > 10
        worst = max(costs)
        assert worst < 3 * costs[0], (params, costs[0], worst, costs.index(worst))
        assert worst < full / 10, (params, worst, full)
