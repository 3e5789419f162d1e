"""Hidden tests: the HTTP contract of one instance (keys, limits, headers, Retry-After)."""

import math
import time
import uuid

import pytest


def new_key():
    """Return an API key no other test uses, so tests never share a quota."""
    return f"hid-{uuid.uuid4().hex[:16]}"


def hit(http, key):
    return http.post("/api/requests", headers={"X-Api-Key": key})


def now_ms():
    return time.time() * 1000


def set_limit(http, key, capacity, window_ms):
    resp = http.put(f"/limits/{key}", json={"capacity": capacity, "window_ms": window_ms})
    assert resp.status_code == 200, resp.text


@pytest.mark.points(2)
def test_api_key_is_required_and_checked(http):
    for headers in ({}, {"X-Api-Key": ""}, {"X-Api-Key": "has space"}, {"X-Api-Key": "a:b"}):
        resp = http.post("/api/requests", headers=headers)
        assert resp.status_code == 401, (headers, resp.text)
        assert resp.json()["error"]["code"] == "invalid_api_key"
    assert hit(http, "A" * 64).status_code == 200
    assert hit(http, "A" * 65).status_code == 401


@pytest.mark.points(3)
@pytest.mark.skill("rate-limiting")
def test_default_limit_is_10_per_minute(http):
    key = new_key()
    assert http.get(f"/limits/{key}").json() == {"key": key, "capacity": 10, "window_ms": 60000}
    codes = [hit(http, key).status_code for _ in range(12)]
    assert codes == [200] * 10 + [429] * 2


@pytest.mark.points(2)
def test_limit_validation(http):
    key = new_key()
    bad = [
        {"window_ms": 1000},
        {"capacity": 0, "window_ms": 1000},
        {"capacity": 100001, "window_ms": 1000},
        {"capacity": 5, "window_ms": 99},
        {"capacity": 5, "window_ms": 86400001},
        {"capacity": "5", "window_ms": 1000},
        {"capacity": 5.5, "window_ms": 1000},
        {"capacity": True, "window_ms": 1000},
        {"capacity": 5, "window_ms": 1000, "burst": 2},
    ]
    for body in bad:
        resp = http.put(f"/limits/{key}", json=body)
        assert resp.status_code == 422, (body, resp.text)
        assert resp.json()["error"]["code"] == "validation_error"
    for raw in ("not json", "[1, 2]"):
        resp = http.put(f"/limits/{key}", data=raw, headers={"Content-Type": "application/json"})
        assert resp.status_code == 400, (raw, resp.text)
        assert resp.json()["error"]["code"] == "bad_request"
    # Nothing invalid was stored: the key still has the default limit.
    assert http.get(f"/limits/{key}").json() == {"key": key, "capacity": 10, "window_ms": 60000}
    resp = http.put(f"/limits/{key}", json={"capacity": 100000, "window_ms": 86400000})
    assert resp.status_code == 200, resp.text
    resp = http.put("/limits/a:b", json={"capacity": 5, "window_ms": 1000})
    assert resp.status_code == 400, resp.text
    assert resp.json()["error"]["code"] == "invalid_api_key"


@pytest.mark.points(2)
@pytest.mark.skill("rate-limiting")
def test_keys_have_separate_quotas(http):
    first, second = new_key(), new_key()
    set_limit(http, first, 2, 60000)
    set_limit(http, second, 2, 60000)
    assert [hit(http, first).status_code for _ in range(3)] == [200, 200, 429]
    assert [hit(http, second).status_code for _ in range(3)] == [200, 200, 429]


@pytest.mark.points(2)
@pytest.mark.skill("rate-limiting")
def test_retry_after_counts_from_the_oldest_request(http):
    key = new_key()
    set_limit(http, key, 3, 60000)
    first_sent = now_ms()
    assert hit(http, key).status_code == 200
    first_done = now_ms()
    time.sleep(2.2)
    assert [hit(http, key).status_code for _ in range(2)] == [200, 200]
    sent = now_ms()
    resp = hit(http, key)
    done = now_ms()
    assert resp.status_code == 429, resp.text
    # The oldest entry leaves at its time + 60 s: bounds from when each request could have run.
    low = math.ceil((first_sent + 60000 - done) / 1000)
    high = math.ceil((first_done + 60000 - sent) / 1000)
    assert low <= int(resp.headers["Retry-After"]) <= high, (low, high, resp.headers)
