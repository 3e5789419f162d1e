"""Public tests: the style of the hidden suite, against your running service."""

import uuid

import pytest


def new_key():
    """Return an API key no other test uses, so tests never share a quota."""
    return f"pub-{uuid.uuid4().hex[:16]}"


def hit(http, key):
    return http.post("/api/requests", headers={"X-Api-Key": key})


def test_health(http):
    resp = http.get("/health")
    assert resp.status_code == 200
    assert resp.json() == {"status": "ok"}


def test_limit_round_trip(http):
    key = new_key()
    resp = http.put(f"/limits/{key}", json={"capacity": 7, "window_ms": 5000})
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"key": key, "capacity": 7, "window_ms": 5000}
    assert http.get(f"/limits/{key}").json() == {"key": key, "capacity": 7, "window_ms": 5000}


@pytest.mark.points(3)
@pytest.mark.skill("rate-limiting")
def test_quota_then_429(http):
    key = new_key()
    assert http.put(f"/limits/{key}", json={"capacity": 3, "window_ms": 60000}).ok
    for remaining in (2, 1, 0):
        resp = hit(http, key)
        assert resp.status_code == 200, resp.text
        assert resp.json() == {"allowed": True, "remaining": remaining}
        assert resp.headers["X-RateLimit-Remaining"] == str(remaining)
        assert resp.headers["X-RateLimit-Limit"] == "3"
    resp = hit(http, key)
    assert resp.status_code == 429, resp.text
    assert resp.json()["error"]["code"] == "rate_limited"
    assert resp.headers["X-RateLimit-Remaining"] == "0"
    assert 1 <= int(resp.headers["Retry-After"]) <= 60
