import pytest

from limiter import Decision, RateLimiter, TokenBucket


class FakeClock:
    def __init__(self, now=1000.0):
        self.now = now

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


def check(decision, allowed, remaining, retry_after):
    assert type(decision) is Decision
    assert type(decision.allowed) is bool and decision.allowed is allowed
    assert type(decision.remaining) is int and decision.remaining == remaining
    assert type(decision.retry_after) is float and abs(decision.retry_after - retry_after) <= 1e-9


@pytest.mark.points(3)
def test_statement_example():
    clock = FakeClock()
    limiter = RateLimiter(capacity=5, refill_per_second=2, clock=clock)
    for expected in [True] * 5 + [False]:
        decision = limiter.allow("alice")
        assert type(decision.allowed) is bool and decision.allowed is expected
    check(limiter.allow("alice"), False, 0, 0.5)
    check(limiter.allow("bob"), True, 4, 0.0)
    clock.advance(0.25)
    check(limiter.allow("alice"), False, 0, 0.25)
    clock.advance(0.25)
    check(limiter.allow("alice"), True, 0, 0.0)
    with pytest.raises(ValueError):
        limiter.allow("alice", cost=6)


@pytest.mark.points(2)
def test_bucket_refills_up_to_capacity():
    clock = FakeClock()
    bucket = TokenBucket(capacity=4, refill_per_second=1, clock=clock)
    check(bucket.try_acquire(4), True, 0, 0.0)
    clock.advance(3)
    assert bucket.available() == 3.0
    clock.advance(60)
    assert bucket.available() == 4.0
    check(bucket.try_acquire(4), True, 0, 0.0)


def test_denied_request_takes_nothing():
    clock = FakeClock()
    bucket = TokenBucket(capacity=4, refill_per_second=2, clock=clock)
    bucket.try_acquire(3)
    check(bucket.try_acquire(2), False, 1, 0.5)
    check(bucket.try_acquire(1), True, 0, 0.0)
