import pytest

from ttl_cache import TTLCache


class FakeClock:
    def __init__(self, now=1000.0):
        self.now = now

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


def same(actual, expected):
    """Equality that an object with a permissive __eq__ cannot fake."""
    assert type(actual) is type(expected) and actual == expected, (actual, expected)
    return True


def test_get_and_set():
    cache = TTLCache(capacity=3, ttl=10, clock=FakeClock())
    value = object()
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

    def loader():
        calls.append(1)
        return {"price": 42}

    first = cache.get_or_load("price:42", loader)
    assert cache.get_or_load("price:42", loader) is first
    assert calls == [1]
