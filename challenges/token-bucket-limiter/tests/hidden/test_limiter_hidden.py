import contextlib
import sys
import threading
import time

import pytest
from sandbox_harness import remote

from limiter import Decision, RateLimiter, TokenBucket


class FakeClock:
    def __init__(self, now=1000.0):
        self.now = now

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


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


def check(decision, verdict, remaining, retry_after):
    assert type(decision) is Decision
    assert type(decision.allowed) is bool and decision.allowed is verdict, decision
    assert type(decision.remaining) is int and decision.remaining == remaining, decision
    assert type(decision.retry_after) is float and abs(decision.retry_after - retry_after) <= 1e-9, decision


def allowed(decision):
    """The decision's verdict, which must be a real bool."""
    assert type(decision) is Decision and type(decision.allowed) is bool, decision
    return decision.allowed


def same(actual, expected):
    assert type(actual) is type(expected) and actual == expected, (actual, expected)
    return True


def available(bucket):
    value = bucket.available()
    assert type(value) is float
    return value


def test_constructor_validation():
    for cls in (TokenBucket, RateLimiter):
        for capacity, rate in ((0, 1), (-1, 1), (1.5, 1), (3, 0), (3, -2)):
            with pytest.raises(ValueError):
                cls(capacity=capacity, refill_per_second=rate, clock=FakeClock())
        cls(capacity=1, refill_per_second=0.5, clock=FakeClock())


@pytest.mark.points(2)
def test_request_size_validation():
    bucket = TokenBucket(capacity=3, refill_per_second=1, clock=FakeClock())
    limiter = RateLimiter(capacity=3, refill_per_second=1, clock=FakeClock())
    for bad in (0, -1, 4, 1.5):
        with pytest.raises(ValueError):
            bucket.try_acquire(bad)
        with pytest.raises(ValueError):
            limiter.allow("k", cost=bad)
    assert available(bucket) == 3.0
    check(bucket.try_acquire(3), True, 0, 0.0)
    check(limiter.allow("k", cost=3), True, 0, 0.0)


def test_starts_full():
    clock = FakeClock()
    bucket = TokenBucket(capacity=7, refill_per_second=1, clock=clock)
    clock.advance(100)
    assert available(bucket) == 7.0
    check(bucket.try_acquire(), True, 6, 0.0)


@pytest.mark.points(3)
def test_fractional_refill_is_not_lost():
    clock = FakeClock()
    bucket = TokenBucket(capacity=5, refill_per_second=2, clock=clock)
    check(bucket.try_acquire(5), True, 0, 0.0)
    outcomes = []
    for _ in range(8):  # poll every 0.25 s: a token arrives every 0.5 s
        clock.advance(0.25)
        outcomes.append(allowed(bucket.try_acquire()))
    assert outcomes == [False, True] * 4
    clock.advance(1.25)
    assert available(bucket) == 2.5
    check(bucket.try_acquire(), True, 1, 0.0)
    assert available(bucket) == 1.5


@pytest.mark.points(3)
def test_capacity_caps_refill_after_idle():
    clock = FakeClock()
    bucket = TokenBucket(capacity=3, refill_per_second=4, clock=clock)
    bucket.try_acquire(2)
    clock.advance(3600)
    assert available(bucket) == 3.0
    assert [allowed(bucket.try_acquire()) for _ in range(4)] == [True, True, True, False]


@pytest.mark.points(3)
def test_retry_after_accounts_for_partial_tokens():
    clock = FakeClock()
    bucket = TokenBucket(capacity=8, refill_per_second=4, clock=clock)
    bucket.try_acquire(8)
    check(bucket.try_acquire(1), False, 0, 0.25)
    clock.advance(0.125)                       # 0.5 token
    check(bucket.try_acquire(1), False, 0, 0.125)
    check(bucket.try_acquire(3), False, 0, 0.625)
    clock.advance(0.625)                       # 3.0 tokens
    check(bucket.try_acquire(3), True, 0, 0.0)
    check(bucket.try_acquire(8), False, 0, 2.0)


@pytest.mark.points(2)
def test_clock_going_backwards():
    clock = FakeClock()
    bucket = TokenBucket(capacity=5, refill_per_second=2, clock=clock)
    bucket.try_acquire(5)
    clock.now = 990.0
    assert available(bucket) == 0.0
    check(bucket.try_acquire(), False, 0, 0.5)
    clock.now = 1000.5
    assert available(bucket) == 1.0
    clock.now = 1001.0
    check(bucket.try_acquire(2), True, 0, 0.0)


@pytest.mark.points(2)
def test_keys_are_independent_and_created_full():
    clock = FakeClock()
    limiter = RateLimiter(capacity=2, refill_per_second=0.5, clock=clock)
    check(limiter.allow("a", cost=2), True, 0, 0.0)
    check(limiter.allow("a"), False, 0, 2.0)
    clock.advance(1)
    check(limiter.allow("b"), True, 1, 0.0)
    check(limiter.allow("a"), False, 0, 1.0)
    clock.advance(100)
    check(limiter.allow("c", cost=2), True, 0, 0.0)
    check(limiter.allow("a", cost=2), True, 0, 0.0)
    check(limiter.allow("b"), True, 1, 0.0)


@pytest.mark.points(2)
def test_prune_forgets_only_full_buckets():
    clock = FakeClock()
    limiter = RateLimiter(capacity=4, refill_per_second=2, clock=clock)
    assert len(limiter) == 0
    limiter.allow("a")
    limiter.allow("b", cost=4)
    assert len(limiter) == 2
    clock.advance(0.5)                        # a is full again, b has 1 token
    assert same(limiter.prune(), 1)
    assert len(limiter) == 1
    check(limiter.allow("b"), True, 0, 0.0)   # b was kept: it still had only 1 token
    clock.advance(2)
    assert same(limiter.prune(), 1)
    assert len(limiter) == 0 and same(limiter.prune(), 0)
    check(limiter.allow("a"), True, 3, 0.0)


class SlowClock:
    """A clock whose reads take a while, like a clock backed by I/O or a contended lock."""

    def __init__(self, now=1000.0):
        self.now = now

    def __call__(self):
        time.sleep(0.02)
        return self.now


@pytest.mark.points(4)
@pytest.mark.skill("concurrency")
def test_simultaneous_first_requests_share_one_bucket():
    limiter = RateLimiter(capacity=1, refill_per_second=0.001, clock=SlowClock())
    n = 8
    barrier = threading.Barrier(n)
    results = []
    lock = threading.Lock()

    def first_request():
        barrier.wait(timeout=5)
        decision = limiter.allow("new-client")
        with lock:
            results.append(allowed(decision))

    threads = [threading.Thread(target=first_request, daemon=True) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=10)
    assert not any(t.is_alive() for t in threads)
    assert len(results) == n
    assert results.count(True) == 1, f"{results.count(True)} requests allowed from a bucket of 1"


@pytest.mark.points(3)
@pytest.mark.skill("concurrency")
def test_concurrent_spending_never_exceeds_the_bucket():
    clock = FakeClock()
    limiter = RateLimiter(capacity=300, refill_per_second=0.001, clock=clock)
    bucket = TokenBucket(capacity=300, refill_per_second=0.001, clock=clock)
    n = 16
    barrier = threading.Barrier(n)
    # Create both keys up front: this test is about spending, not about first requests.
    counts = {"limiter": allowed(limiter.allow("k0")) + allowed(limiter.allow("k1")), "bucket": 0}
    lock = threading.Lock()

    def spend():
        barrier.wait(timeout=5)
        mine = {"limiter": 0, "bucket": 0}
        for i in range(60):
            mine["limiter"] += allowed(limiter.allow(f"k{i % 2}"))
            mine["bucket"] += allowed(bucket.try_acquire())
        with lock:
            for k in counts:
                counts[k] += mine[k]

    with frequent_thread_switches():
        threads = [threading.Thread(target=spend, daemon=True) for _ in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=20)
    assert not any(t.is_alive() for t in threads)
    assert counts == {"limiter": 600, "bucket": 300}
