import pytest

from resilience import CircuitBreaker, CircuitOpenError, TransientError, retry


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


def delays(sleeps):
    """The recorded sleeps, each checked to be a real number."""
    assert all(type(s) in (int, float) for s in sleeps), sleeps
    return [float(s) for s in sleeps]


class Flaky:
    """Raises the given exceptions in order, then returns 'ok'.

    The code under test may set the public attributes of objects it is given: the state is kept
    in private slots, and `calls` is read-only, so only real calls move the count.
    """

    __slots__ = ("_calls", "_errors")

    def __init__(self, *errors):
        self._errors = list(errors)
        self._calls = 0

    @property
    def calls(self):
        return self._calls

    def __call__(self):
        self._calls += 1
        if self._errors:
            raise self._errors.pop(0)
        return "ok"


@pytest.mark.points(2)
def test_retry_recovers_with_backoff():
    sleeps = []
    flaky = Flaky(TransientError(), TransientError())
    assert same(retry(flaky, attempts=5, sleep=sleeps.append), "ok")
    assert flaky.calls == 3
    assert delays(sleeps) == pytest.approx([0.1, 0.2], abs=1e-9)


def test_retry_gives_up():
    sleeps = []
    last = TransientError("third")
    flaky = Flaky(TransientError("first"), TransientError("second"), last)
    with pytest.raises(TransientError) as info:
        retry(flaky, attempts=3, sleep=sleeps.append)
    assert info.value is last
    assert flaky.calls == 3 and len(sleeps) == 2


@pytest.mark.points(2)
def test_breaker_opens_and_fails_fast():
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=2, reset_timeout=30, clock=clock)
    flaky = Flaky(TransientError(), TransientError(), TransientError())
    for _ in range(2):
        with pytest.raises(TransientError):
            breaker.call(flaky)
    assert same(breaker.state, "open")
    with pytest.raises(CircuitOpenError):
        breaker.call(flaky)
    assert flaky.calls == 2


@pytest.mark.points(2)
def test_half_open_trial_closes_the_circuit():
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=1, reset_timeout=30, clock=clock)
    with pytest.raises(TransientError):
        breaker.call(Flaky(TransientError()))
    clock.advance(30)
    assert same(breaker.state, "half_open")
    assert same(breaker.call(lambda x, y=0: x + y, 1, y=2), 3)
    assert same(breaker.state, "closed")
