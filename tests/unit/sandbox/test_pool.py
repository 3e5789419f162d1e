"""The warm pool's bookkeeping, with stand-in pairs: fill, take once, recycle, drop, drain."""

from __future__ import annotations

import itertools
import threading
import time

import pytest

import sandbox
from sandbox import pool as pool_module
from sandbox.pool import PoolKey, WarmPool

KEY = PoolKey.of("img:1", sandbox.Limits())


class FakePair:
    ids = itertools.count(1)

    def __init__(self, image_id: str = "sha:1") -> None:
        self.id = next(self.ids)
        self.image_id = image_id
        self.created = time.monotonic()
        self.alive = True

    def running(self) -> bool:
        return self.alive


class Engine:
    """Starts fake pairs (or fails, like a stopped engine) and records what was removed."""

    def __init__(self) -> None:
        self.started: list[FakePair] = []
        self.removed: list[FakePair] = []
        self.down = False
        self.image_id = "sha:1"
        self.lock = threading.Lock()

    def start(self, key: PoolKey) -> FakePair:
        if self.down:
            raise RuntimeError("engine down")
        pair = FakePair(self.image_id)
        with self.lock:
            self.started.append(pair)
        return pair

    def remove(self, pair: FakePair) -> None:
        with self.lock:
            self.removed.append(pair)


def until(condition, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "the pool never got there"
        time.sleep(0.01)


@pytest.fixture
def engine():
    return Engine()


@pytest.fixture
def pool(engine, monkeypatch):
    monkeypatch.setattr(pool_module, "CHECK_EVERY_S", 0.05)
    monkeypatch.setattr(pool_module, "BACKOFF_S", (0.05,))
    warm = WarmPool(engine.start, engine.remove, size=2, max_idle_s=60)
    yield warm
    warm.close()


def test_a_wanted_key_is_filled_and_each_pair_is_taken_once(pool, engine):
    pool.want(KEY)
    until(lambda: pool.ready(KEY) == 2)
    first, second = pool.take(KEY, "sha:1"), pool.take(KEY, "sha:1")
    assert first is not second and {first, second} <= set(engine.started)
    until(lambda: pool.ready(KEY) == 2)  # replaced in the background
    assert len(engine.started) == 4 and pool.take(KEY, "sha:1") not in (first, second)


def test_an_empty_pool_says_so_and_starts_warming_that_key(pool):
    other = PoolKey.of("img:1", sandbox.Limits(memory_mb=512))
    assert pool.take(other, "sha:1") is None
    until(lambda: pool.ready(other) == 2)


def test_pairs_of_an_old_image_or_dead_ones_are_never_handed_out(pool, engine):
    pool.want(KEY)
    until(lambda: pool.ready(KEY) == 2)
    waiting = list(engine.started)
    waiting[0].alive = False  # killed by an engine restart
    engine.image_id = "sha:2"  # the image was rebuilt
    taken = pool.take(KEY, "sha:2")
    assert taken is None or (taken not in waiting and taken.image_id == "sha:2")
    assert set(waiting) <= set(engine.removed)


def test_pairs_waiting_too_long_are_recycled(engine, monkeypatch):
    monkeypatch.setattr(pool_module, "CHECK_EVERY_S", 0.05)
    warm = WarmPool(engine.start, engine.remove, size=1, max_idle_s=0.2)
    try:
        warm.want(KEY)
        until(lambda: warm.ready(KEY) == 1)
        first = engine.started[0]
        until(lambda: first in engine.removed)
        until(lambda: warm.ready(KEY) == 1 and len(engine.started) >= 2)
    finally:
        warm.close()


def test_a_stopped_engine_is_retried_until_it_is_back(pool, engine):
    engine.down = True
    pool.want(KEY)
    time.sleep(0.2)
    assert pool.ready(KEY) == 0
    engine.down = False
    until(lambda: pool.ready(KEY) == 2)


def test_closing_removes_every_waiting_pair_and_refills_no_more(engine, monkeypatch):
    monkeypatch.setattr(pool_module, "CHECK_EVERY_S", 0.05)
    warm = WarmPool(engine.start, engine.remove, size=3, max_idle_s=60)
    warm.want(KEY)
    until(lambda: warm.ready(KEY) == 3)
    warm.close()
    assert set(engine.removed) == set(engine.started) and warm.ready(KEY) == 0
    time.sleep(0.1)
    assert len(engine.started) == 3
