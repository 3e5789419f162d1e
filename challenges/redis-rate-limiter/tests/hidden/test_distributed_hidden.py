"""Hidden tests: two instances (ports 8080 and 8081) and concurrent clients share one quota."""

import threading
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


def burst(urls, key, clients):
    """Send one request per client at once (connections opened first); return the statuses."""
    sessions = [requests.Session() for _ in range(clients)]
    for i, session in enumerate(sessions):
        session.get(urls[i % 2] + "/health", timeout=15)  # a warm connection per client
    barrier = threading.Barrier(clients)
    statuses = [None] * clients

    def client(i):
        barrier.wait()
        statuses[i] = hit(urls[i % 2], key, sessions[i]).status_code

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for session in sessions:
        session.close()
    return statuses


@pytest.mark.points(6)
@pytest.mark.skill("concurrency")
def test_concurrent_clients_never_exceed_the_quota(urls):
    for _ in range(4):
        key = new_key()
        set_limit(urls[0], key, 15, 60000)
        statuses = burst(urls, key, 48)
        assert sorted(statuses) == [200] * 15 + [429] * 33, statuses


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
