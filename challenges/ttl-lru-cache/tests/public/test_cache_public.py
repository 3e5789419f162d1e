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


def same(actual, expected):
    """Equality that an object with a permissive __eq__ cannot fake."""
    assert type(actual) is type(expected) and actual == expected, (actual, expected)
    return True


def test_get_and_set():
    cache = TTLCache(capacity=3, ttl=10, clock=FakeClock())
    value = value_object(name="a")
    cache.set("a", value)
    assert cache.get("a") is value
    assert cache.get("missing") is None
    assert same(cache.get("missing", "fallback"), "fallback")


@pytest.mark.points(2)
def test_least_recently_used_is_evicted():
    cache = TTLCache(capacity=2, ttl=10, clock=FakeClock())
    cache.set("a", 1)
    cache.set("b", 2)
    assert same(cache.get("a"), 1)
    cache.set("c", 3)
    assert "b" not in cache
    assert ("a" in cache) is True and ("c" in cache) is True


@pytest.mark.points(2)
def test_entries_expire_exactly_at_ttl():
    clock = FakeClock()
    cache = TTLCache(capacity=2, ttl=10, clock=clock)
    cache.set("a", 1)
    clock.advance(9.5)
    assert same(cache.get("a", "gone"), 1)
    clock.advance(0.5)
    assert same(cache.get("a", "gone"), "gone")
    assert len(cache) == 0


def test_get_or_load_calls_loader_once():
    cache = TTLCache(capacity=2, ttl=10, clock=FakeClock())
    calls = []
    price = value_object(price=42)

    def loader():
        calls.append(1)
        return price

    first = cache.get_or_load("price:42", loader)
    assert first is price
    assert cache.get_or_load("price:42", loader) is first
    assert calls == [1]
