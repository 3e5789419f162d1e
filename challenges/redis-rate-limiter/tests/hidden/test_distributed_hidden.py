"""Hidden tests: two instances (ports 8080 and 8081) and concurrent clients share one quota."""

import http.client
import socket
import time
import uuid

import pytest
import redis
import requests

SECOND_PORT = 8081


def new_key():
    """Return an API key no other test uses, so tests never share a quota."""
    return f"dist-{uuid.uuid4().hex[:16]}"


@pytest.fixture
def urls(base_url):
    """Return the two instances' root URLs, once the second one answers too."""
    second = base_url.rsplit(":", 1)[0] + f":{SECOND_PORT}"
    deadline = time.monotonic() + 30  # `start` launched both, but only 8080 was awaited
    while True:
        try:
            if requests.get(second + "/health", timeout=2).status_code == 200:
                return base_url, second
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"nothing answers GET /health on port {SECOND_PORT}")
        time.sleep(0.2)


def hit(url, key, session=requests):
    return session.post(url + "/api/requests", headers={"X-Api-Key": key}, timeout=15)


def set_limit(url, key, capacity, window_ms):
    body = {"capacity": capacity, "window_ms": window_ms}
    resp = requests.put(f"{url}/limits/{key}", json=body, timeout=10)
    assert resp.status_code == 200, resp.text


@pytest.mark.points(3)
@pytest.mark.skill("rate-limiting")
def test_instances_share_limits_and_quota(urls):
    first, second = urls
    key = new_key()
    set_limit(first, key, 4, 60000)
    assert requests.get(f"{second}/limits/{key}", timeout=10).json() == {
        "key": key,
        "capacity": 4,
        "window_ms": 60000,
    }
    statuses = [hit(url, key).status_code for url in (first, second) * 3]
    assert statuses == [200, 200, 200, 200, 429, 429]
    assert hit(first, key).headers["X-RateLimit-Remaining"] == "0"


def connect(port):
    """Return a connection the service already serves (its thread or task waiting for a request)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=15)
    sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    response = http.client.HTTPResponse(sock)
    response.begin()
    response.read()
    if response.will_close:  # an HTTP/1.0 server: a fresh connection, then
        sock.close()
        sock = socket.create_connection(("127.0.0.1", port), timeout=15)
    return sock


def burst(urls, key, clients):
    """Open every connection, write one request on each back to back, then read the answers."""
    request = (
        "POST /api/requests HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"X-Api-Key: {key}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    ).encode()
    sockets = [connect(int(urls[i % 2].rsplit(":", 1)[1])) for i in range(clients)]
    # Written within a millisecond or so: every request is in flight while the others are.
    for sock in sockets:
        sock.sendall(request)
    statuses = []
    for sock in sockets:
        response = http.client.HTTPResponse(sock)
        response.begin()
        statuses.append(response.status)
        response.read()
        sock.close()
    return statuses


@pytest.mark.points(6)
@pytest.mark.skill("concurrency")
def test_concurrent_clients_never_exceed_the_quota(urls):
    allowed = []
    for _ in range(6):
        key = new_key()
        set_limit(urls[0], key, 15, 60000)
        statuses = burst(urls, key, 48)
        assert set(statuses) <= {200, 429}, statuses
        allowed.append(statuses.count(200))
    assert allowed == [15] * 6, f"allowed of 48 simultaneous requests, capacity 15: {allowed}"


@pytest.mark.points(4)
@pytest.mark.skill("rate-limiting")
def test_state_lives_in_redis_and_expires(http):
    raw = redis.Redis(host="127.0.0.1", port=6379)  # bytes: the key layout is the service's
    key = new_key()
    window = 1000
    resp = http.put(f"/limits/{key}", json={"capacity": 5, "window_ms": window})
    assert resp.status_code == 200
    before = set(raw.keys("*"))
    for _ in range(3):
        assert http.post("/api/requests", headers={"X-Api-Key": key}).status_code == 200
    last = time.time()
    created = set(raw.keys("*")) - before
    assert created, "serving requests wrote nothing to Redis"
    for name in created:
        ttl = raw.pttl(name)
        assert 0 < ttl <= window + 1000, (name, ttl)
    time.sleep(max(0.0, last + (window + 1000 + 300) / 1000 - time.time()))
    assert [name for name in created if raw.exists(name)] == []
    raw.close()
