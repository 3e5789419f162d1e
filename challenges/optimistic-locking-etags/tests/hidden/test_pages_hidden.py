import re
import sqlite3

import pytest

import db
from app import create_app


def open_wiki(path):
    """Open the wiki database in the tester, in autocommit mode, as db.connect does."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.executescript(db.SCHEMA)
    return conn


class Env:
    """The app over a database of the tester, plus a second connection: another writer."""

    def __init__(self, tmp_path):
        self.path = str(tmp_path / "wiki.db")
        self.conn = open_wiki(self.path)
        self.conn.execute("INSERT INTO pages (slug, title, body) VALUES ('faq', 'FAQ', 'v1')")
        self.conn.execute("INSERT INTO pages (slug, title, body, version) VALUES ('guide', 'Guide', 'g7', 7)")
        self.client = create_app(self.conn).test_client()
        self.other = sqlite3.connect(self.path, isolation_level=None, timeout=0)

    def row(self, slug):
        return self.other.execute("SELECT title, body, version FROM pages WHERE slug = ?", (slug,)).fetchone()

    def patch(self, slug, body, if_match=None, **kwargs):
        headers = {"If-Match": if_match} if if_match is not None else {}
        return self.client.patch(f"/pages/{slug}", json=body, headers=headers, **kwargs)


def error_code(resp, status):
    assert resp.status_code == status, (resp.status_code, resp.data)
    body = resp.get_json()
    assert isinstance(body, dict) and isinstance(body.get("error"), dict), body
    assert isinstance(body["error"].get("message"), str)
    return body["error"].get("code")


def page_json(resp):
    body = resp.get_json()
    assert isinstance(body, dict) and set(body) == {"slug", "title", "body", "version"}, body
    assert type(body["version"]) is int
    return body


@pytest.fixture
def env(tmp_path):
    e = Env(tmp_path)
    yield e
    e.other.close()
    e.conn.close()


@pytest.mark.points(2)
@pytest.mark.skill("api-design")
def test_create(env):
    resp = env.client.post("/pages", json={"slug": "release-notes", "title": "Release notes", "body": ""})
    assert resp.status_code == 201
    assert resp.headers["ETag"] == '"1"'
    assert resp.headers["Location"].endswith("/pages/release-notes")
    assert page_json(resp) == {"slug": "release-notes", "title": "Release notes", "body": "", "version": 1}
    assert env.row("release-notes") == ("Release notes", "", 1)
    assert error_code(env.client.post("/pages", json={"slug": "faq", "title": "x", "body": "y"}), 409) == "conflict"
    resp = env.client.post("/pages", json={"slug": "Bad Slug", "title": "", "version": 3})
    assert error_code(resp, 422) == "validation_error"
    assert set(resp.get_json()["error"]["fields"]) == {"slug", "title", "body", "version"}
    assert error_code(env.client.post("/pages", data="{", content_type="application/json"), 400) == "bad_request"


@pytest.mark.points(2)
@pytest.mark.skill("api-design")
def test_get_and_conditional_get(env):
    resp = env.client.get("/pages/guide")
    assert resp.status_code == 200 and resp.headers["ETag"] == '"7"'
    assert page_json(resp) == {"slug": "guide", "title": "Guide", "body": "g7", "version": 7}
    for value in ('"7"', '"6", "7"', "*", 'W/"7"'):
        resp = env.client.get("/pages/guide", headers={"If-None-Match": value})
        assert resp.status_code == 304, value
        assert resp.data == b"" and resp.headers["ETag"] == '"7"'
    resp = env.client.get("/pages/guide", headers={"If-None-Match": '"6"'})
    assert resp.status_code == 200 and page_json(resp)["version"] == 7
    assert error_code(env.client.get("/pages/nope"), 404) == "not_found"


@pytest.mark.points(3)
def test_if_match_forms(env):
    resp = env.patch("guide", {"title": "Guide v8"}, '"6", "7"')
    assert resp.status_code == 200 and resp.headers["ETag"] == '"8"'
    resp = env.patch("guide", {"body": "g9"}, "*")
    assert resp.status_code == 200 and resp.headers["ETag"] == '"9"'
    assert page_json(resp) == {"slug": "guide", "title": "Guide v8", "body": "g9", "version": 9}
    for value in ('W/"9"', '"8"', '"10"', '"9x"'):
        resp = env.patch("guide", {"body": "nope"}, value)
        assert error_code(resp, 412) == "precondition_failed", value
        assert resp.headers["ETag"] == '"9"'
    assert env.row("guide") == ("Guide v8", "g9", 9)


@pytest.mark.points(2)
def test_versions_and_empty_patch(env):
    for n in range(2, 6):
        resp = env.patch("faq", {"body": f"v{n}"}, f'"{n - 1}"')
        assert resp.status_code == 200 and page_json(resp)["version"] == n
    resp = env.patch("faq", {"body": "v5"}, '"5"')           # same value: still a new version
    assert page_json(resp)["version"] == 6
    resp = env.patch("faq", {}, '"6"')
    assert resp.status_code == 200 and resp.headers["ETag"] == '"6"'
    assert page_json(resp) == {"slug": "faq", "title": "FAQ", "body": "v5", "version": 6}
    assert env.row("faq") == ("FAQ", "v5", 6)


@pytest.mark.points(3)
def test_precondition_required_and_check_order(env):
    assert error_code(env.patch("faq", {"body": "x"}), 428) == "precondition_required"
    assert error_code(env.client.delete("/pages/faq"), 428) == "precondition_required"
    assert error_code(env.patch("nope", {"body": "x"}), 404) == "not_found"
    assert error_code(env.client.delete("/pages/nope", headers={"If-Match": "*"}), 404) == "not_found"
    assert error_code(env.patch("faq", {"body": 5, "slug": "x"}), 428) == "precondition_required"
    assert error_code(env.client.patch("/pages/faq", data="nope", content_type="text/plain"), 428) == "precondition_required"
    assert error_code(env.patch("faq", {"body": 5}, '"9"'), 412) == "precondition_failed"
    assert error_code(env.client.patch("/pages/faq", data="nope", content_type="text/plain", headers={"If-Match": '"1"'}), 400) == "bad_request"
    for body, fields in (({"version": 5}, {"version"}), ({"slug": "faq2"}, {"slug"}), ({"title": "", "body": 1}, {"title", "body"})):
        resp = env.patch("faq", body, '"1"')
        assert error_code(resp, 422) == "validation_error"
        assert set(resp.get_json()["error"]["fields"]) == fields
    assert env.row("faq") == ("FAQ", "v1", 1)


@pytest.mark.points(2)
def test_delete(env):
    resp = env.client.delete("/pages/guide", headers={"If-Match": '"6"'})
    assert error_code(resp, 412) == "precondition_failed" and resp.headers["ETag"] == '"7"'
    assert env.row("guide") == ("Guide", "g7", 7)
    resp = env.client.delete("/pages/guide", headers={"If-Match": '"7"'})
    assert resp.status_code == 204 and resp.data == b""
    assert env.row("guide") is None
    assert error_code(env.client.get("/pages/guide"), 404) == "not_found"
    assert env.client.delete("/pages/faq", headers={"If-Match": "*"}).status_code == 204


@pytest.mark.points(2)
def test_the_database_is_the_only_state(env):
    assert env.client.get("/pages/faq").headers["ETag"] == '"1"'
    env.other.execute("UPDATE pages SET body = 'edited elsewhere', version = 2 WHERE slug = 'faq'")
    resp = env.client.get("/pages/faq")
    assert resp.headers["ETag"] == '"2"' and page_json(resp)["body"] == "edited elsewhere"
    assert error_code(env.patch("faq", {"body": "mine"}, '"1"'), 412) == "precondition_failed"
    assert env.client.get("/pages/faq", headers={"If-None-Match": '"1"'}).status_code == 200


class ConcurrentWriter:
    """Commits `sql` on another connection just before the app's first write to `pages` starts."""

    WRITE = re.compile(r"\b(UPDATE\s+pages|DELETE\s+FROM\s+pages)\b", re.IGNORECASE)

    def __init__(self, env, sql):
        self.env, self.sql, self.state = env, sql, None

    def __call__(self, statement):
        if self.state is None and self.WRITE.search(statement):
            try:
                self.env.other.execute(self.sql)
                self.state = "committed"
            except sqlite3.OperationalError:  # the app holds a write lock: no interleaving possible
                self.state = "blocked"

    def run(self, request):
        self.env.conn.set_trace_callback(self)
        try:
            resp = request()
        finally:
            self.env.conn.set_trace_callback(None)
        assert self.state is not None, "expected an UPDATE pages / DELETE FROM pages statement"
        return resp


THEIR_EDIT = "UPDATE pages SET title = 'Their title', version = version + 1 WHERE slug = 'faq'"


@pytest.mark.points(4)
@pytest.mark.skill("concurrency")
def test_writer_in_between_gets_412(env):
    writer = ConcurrentWriter(env, THEIR_EDIT)
    resp = writer.run(lambda: env.patch("faq", {"body": "mine"}, '"1"'))
    if writer.state == "committed":
        assert error_code(resp, 412) == "precondition_failed"
        assert resp.headers["ETag"] == '"2"'
        assert env.row("faq") == ("Their title", "v1", 2)
    else:
        assert resp.status_code == 200 and page_json(resp)["version"] == 2
        assert env.row("faq") == ("FAQ", "mine", 2)


@pytest.mark.points(2)
@pytest.mark.skill("concurrency")
def test_writer_in_between_with_star(env):
    writer = ConcurrentWriter(env, THEIR_EDIT)
    resp = writer.run(lambda: env.patch("faq", {"body": "mine"}, "*"))
    assert resp.status_code == 200
    if writer.state == "committed":
        assert env.row("faq") == ("Their title", "mine", 3)
        assert resp.headers["ETag"] == '"3"'
    else:
        assert env.row("faq") == ("FAQ", "mine", 2)


@pytest.mark.points(2)
@pytest.mark.skill("concurrency")
def test_writer_in_between_a_delete(env):
    writer = ConcurrentWriter(env, THEIR_EDIT)
    resp = writer.run(lambda: env.client.delete("/pages/faq", headers={"If-Match": '"1"'}))
    if writer.state == "committed":
        assert error_code(resp, 412) == "precondition_failed"
        assert env.row("faq") == ("Their title", "v1", 2)
    else:
        assert resp.status_code == 204 and env.row("faq") is None
