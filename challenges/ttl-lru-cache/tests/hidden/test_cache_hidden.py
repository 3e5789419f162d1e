import contextlib
import sys
import threading
import time

import pytest
from sandbox_harness import remote

from ttl_cache import TTLCache


class FakeClock:
    def __init__(self, now=1000.0):
        self.now = now

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


def value_object(**fields):
    """A value made in the candidate's process, so `is` tells whether the cache copied it.

    Plain data is copied on its way to the cache, and an object of the test's own would not tell
    either: in the candidate's process, copying a reference to it gives the reference back.
    """
    return remote.import_module("collections").UserDict(fields)


@contextlib.contextmanager
def frequent_thread_switches():
    """Switch threads every 10 µs, so that races show up; in both processes.

    The code under test runs in the candidate's process: setting only the tester's own switch
    interval would leave the candidate's threads switching every 5 ms, and most races hidden.
    """
    here, there = sys, remote.import_module("sys")
    saved = here.getswitchinterval(), there.getswitchinterval()
    here.setswitchinterval(1e-5)
    there.setswitchinterval(1e-5)
    try:
        yield
    finally:
        here.setswitchinterval(saved[0])
        there.setswitchinterval(saved[1])


def same(actual, expected):
    """Equality that an object with a permissive __eq__ cannot fake."""
    assert type(actual) is type(expected) and actual == expected, (actual, expected)
    return True


def make(capacity=3, ttl=10):
    clock = FakeClock()
    return TTLCache(capacity=capacity, ttl=ttl, clock=clock), clock


def test_constructor_and_ttl_validation():
    for capacity, ttl in ((0, 10), (-1, 10), (3, 0), (3, -1)):
        with pytest.raises(ValueError):
            TTLCache(capacity=capacity, ttl=ttl, clock=FakeClock())
    cache, _ = make()
    for ttl in (0, -5):
        with pytest.raises(ValueError):
            cache.set("a", 1, ttl=ttl)
    assert "a" not in cache


@pytest.mark.points(2)
def test_per_entry_ttl_and_no_sliding_expiry():
    cache, clock = make()
    cache.set("short", "s", ttl=2)
    cache.set("long", "l")
    clock.advance(1.5)
    assert same(cache.get("short"), "s")  # reading does not extend its life
    clock.advance(0.5)
    assert same(cache.get("short", "gone"), "gone")
    clock.advance(7.5)
    assert same(cache.get("long"), "l")
    clock.advance(0.5)
    assert "long" not in cache
    assert len(cache) == 0


@pytest.mark.points(3)
def test_overwrite_restarts_ttl_and_recency():
    cache, clock = make(capacity=2)
    cache.set("a", 1)
    cache.set("b", 2)
    clock.advance(8)
    cache.set("a", 10)            # new value, new 10 s life, most recently used
    clock.advance(8)              # 16 s after the first set of "a"
    assert same(cache.get("a", "gone"), 10)
    assert "b" not in cache       # b expired at +10
    cache.set("b", 2)
    cache.set("a", 11)            # a is now the most recently used again
    cache.set("c", 3)             # evicts b, not a
    assert "b" not in cache
    assert same(cache.get("a"), 11) and same(cache.get("c"), 3)


@pytest.mark.points(2)
def test_replacing_in_a_full_cache_evicts_nothing():
    cache, _ = make(capacity=2)
    cache.set("a", 1)
    cache.set("b", 2)
    cache.set("b", 3)
    cache.set("a", 4)
    assert len(cache) == 2
    assert same(cache.get("a"), 4) and same(cache.get("b"), 3)


@pytest.mark.points(3)
def test_expired_entries_go_before_the_lru_one():
    cache, clock = make(capacity=3)
    cache.set("a", 1)             # least recently used, but long-lived
    cache.set("b", 2, ttl=1)
    cache.set("c", 3)
    clock.advance(1)              # b has expired
    cache.set("d", 4)
    assert same(cache.get("a"), 1) and same(cache.get("c"), 3) and same(cache.get("d"), 4)
    assert len(cache) == 3
    cache.set("e", 5)             # nothing expired now: evict the LRU, which is "a"
    assert "a" not in cache and len(cache) == 3


@pytest.mark.points(2)
def test_contains_does_not_touch_recency_but_get_does():
    cache, _ = make(capacity=2)
    cache.set("a", 1)
    cache.set("b", 2)
    assert "a" in cache
    cache.set("c", 3)
    assert "a" not in cache and "b" in cache
    assert same(cache.get("b"), 2)
    cache.set("d", 4)
    assert "c" not in cache and "b" in cache and "d" in cache


def test_delete_and_len():
    cache, clock = make()
    cache.set("a", 1)
    cache.set("b", 2, ttl=1)
    assert len(cache) == 2
    assert cache.delete("a") is True
    assert cache.delete("a") is False
    assert cache.delete("never") is False
    clock.advance(1)
    assert cache.delete("b") is False
    assert len(cache) == 0


@pytest.mark.points(2)
def test_none_is_a_value():
    cache, _ = make()
    cache.set("k", None)
    assert cache.get("k", "default") is None
    assert "k" in cache
    calls = []

    def loader():
        calls.append(1)
        return None

    assert cache.get_or_load("n", loader) is None
    assert cache.get_or_load("n", loader) is None
    assert calls == [1]


@pytest.mark.points(2)
def test_get_or_load_uses_default_ttl_and_recency():
    cache, clock = make(capacity=2)
    cache.set("a", "A")
    cache.set("b", "B")

    def boom():
        raise AssertionError("loader must not run for a live key")

    assert same(cache.get_or_load("a", boom), "A")   # a becomes most recently used
    cache.set("c", "C")                           # so b is evicted
    assert "b" not in cache
    value = cache.get_or_load("x", lambda: "X")   # evicts a (LRU)
    assert same(value, "X") and "a" not in cache
    clock.advance(10)
    assert same(cache.get_or_load("x", lambda: "X2"), "X2")


@pytest.mark.points(2)
def test_loader_errors_are_not_cached():
    cache, _ = make()

    class UpstreamDown(Exception):
        pass

    def failing():
        raise UpstreamDown()

    with pytest.raises(UpstreamDown):
        cache.get_or_load("k", failing)
    assert "k" not in cache
    assert same(cache.get_or_load("k", lambda: "ok"), "ok")
    assert same(cache.get("k"), "ok")


@pytest.mark.points(4)
@pytest.mark.skill("concurrency")
def test_single_flight_for_one_key():
    cache, _ = make()
    calls = []
    release = threading.Event()
    result = value_object(key="hot")

    def slow_loader():
        calls.append(threading.get_ident())
        release.wait(timeout=5)
        return result

    n = 16
    start = threading.Barrier(n)
    got = [None] * n

    def worker(i):
        start.wait(timeout=5)
        got[i] = cache.get_or_load("hot", slow_loader)

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 5
    while not calls and time.monotonic() < deadline:
        time.sleep(0.005)
    time.sleep(0.1)  # let every other caller reach the cache while the first load is running
    release.set()
    for t in threads:
        t.join(timeout=5)
    assert not any(t.is_alive() for t in threads)
    assert len(calls) == 1, f"loader ran {len(calls)} times"
    assert all(g is result for g in got)


@pytest.mark.points(3)
@pytest.mark.skill("concurrency")
def test_a_slow_load_does_not_block_other_keys():
    cache, _ = make()
    cache.set("warm", "w")
    entered, release = threading.Event(), threading.Event()

    def slow_loader():
        entered.set()
        release.wait(timeout=5)
        return "slow"

    slow = threading.Thread(target=lambda: cache.get_or_load("slow", slow_loader), daemon=True)
    slow.start()
    assert entered.wait(timeout=5)
    done = []

    def other_work():
        done.append(cache.get("warm"))
        cache.set("x", 1)
        done.append(cache.get_or_load("other", lambda: "fast"))

    other = threading.Thread(target=other_work, daemon=True)
    other.start()
    other.join(timeout=2)
    blocked = other.is_alive()
    release.set()
    slow.join(timeout=5)
    other.join(timeout=5)
    assert not blocked, "other keys were blocked while a loader was running"
    assert len(done) == 2 and same(done[0], "w") and same(done[1], "fast")
    assert same(cache.get("slow"), "slow")


@pytest.mark.points(2)
@pytest.mark.skill("concurrency")
def test_concurrent_use_keeps_invariants():
    clock = FakeClock()
    cache = TTLCache(capacity=50, ttl=1000, clock=clock)
    errors = []
    start = threading.Barrier(8)

    def worker(seed):
        try:
            start.wait(timeout=5)
            for i in range(1500):
                key = (seed * 7 + i) % 120
                cache.set(key, key)
                value = cache.get((key + 3) % 120)
                assert value is None or same(value, (key + 3) % 120)
                if i % 50 == 0:
                    assert len(cache) <= 50
                    cache.delete((key + 11) % 120)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    with frequent_thread_switches():
        threads = [threading.Thread(target=worker, args=(s,), daemon=True) for s in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=20)
    assert not any(t.is_alive() for t in threads)
    assert errors == []
    assert len(cache) <= 50
