import sqlite3

import pytest

import db
from app import create_app


def open_wiki(path):
    """Open the wiki database in the tester, in autocommit mode, as db.connect does."""
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.executescript(db.SCHEMA)
    return conn


@pytest.fixture
def client(tmp_path):
    conn = open_wiki(str(tmp_path / "wiki.db"))
    conn.execute("INSERT INTO pages (slug, title, body) VALUES ('faq', 'FAQ', 'v1')")
    yield create_app(conn).test_client()
    conn.close()


def test_get_returns_etag(client):
    resp = client.get("/pages/faq")
    assert resp.status_code == 200
    assert resp.headers["ETag"] == '"1"'
    assert resp.get_json() == {"slug": "faq", "title": "FAQ", "body": "v1", "version": 1}


@pytest.mark.points(2)
def test_patch_with_matching_if_match(client):
    resp = client.patch("/pages/faq", json={"body": "v2 by Ann"}, headers={"If-Match": '"1"'})
    assert resp.status_code == 200
    assert resp.headers["ETag"] == '"2"'
    assert resp.get_json() == {"slug": "faq", "title": "FAQ", "body": "v2 by Ann", "version": 2}


@pytest.mark.points(3)
def test_stale_if_match_is_refused(client):
    client.patch("/pages/faq", json={"body": "v2 by Ann"}, headers={"If-Match": '"1"'})
    resp = client.patch("/pages/faq", json={"body": "v2 by Bob"}, headers={"If-Match": '"1"'})
    assert resp.status_code == 412
    assert resp.get_json()["error"]["code"] == "precondition_failed"
    assert resp.headers["ETag"] == '"2"'
    assert client.get("/pages/faq").get_json()["body"] == "v2 by Ann"


@pytest.mark.points(2)
def test_if_match_is_required(client):
    resp = client.patch("/pages/faq", json={"body": "v3"})
    assert resp.status_code == 428
    assert resp.get_json()["error"]["code"] == "precondition_required"
