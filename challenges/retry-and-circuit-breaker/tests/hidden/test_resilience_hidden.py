import threading
import time

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
    """Raises the given exceptions in order, then returns the result.

    The code under test may set the public attributes of objects it is given: the state is kept
    in private slots, and `calls` is read-only, so only real calls move the count.
    """

    __slots__ = ("_calls", "_errors", "_result")

    def __init__(self, *errors, result="ok"):
        self._errors = list(errors)
        self._calls = 0
        self._result = result

    @property
    def calls(self):
        return self._calls

    def __call__(self, *args, **kwargs):
        self._calls += 1
        if self._errors:
            raise self._errors.pop(0)
        return self._result


def state(breaker):
    value = breaker.state
    assert type(value) is str
    return value


def test_retry_validation():
    for kwargs in ({"attempts": 0}, {"attempts": -1}, {"base_delay": -0.1}, {"base_delay": 1.0, "max_delay": 0.5}):
        with pytest.raises(ValueError):
            retry(lambda: "ok", sleep=lambda s: None, **kwargs)


@pytest.mark.points(3)
def test_retry_delays_are_capped_and_none_after_the_last_attempt():
    sleeps = []
    flaky = Flaky(*[TransientError(str(i)) for i in range(6)])
    with pytest.raises(TransientError) as info:
        retry(flaky, attempts=6, base_delay=0.5, max_delay=3.0, sleep=sleeps.append)
    assert str(info.value) == "5"
    assert flaky.calls == 6
    assert delays(sleeps) == pytest.approx([0.5, 1.0, 2.0, 3.0, 3.0], abs=1e-9)
    sleeps.clear()
    flaky = Flaky(*[TransientError() for _ in range(40)])
    with pytest.raises(TransientError):
        retry(flaky, attempts=40, base_delay=0.25, max_delay=10.0, sleep=sleeps.append)
    assert len(delays(sleeps)) == 39 and sleeps[-1] == pytest.approx(10.0) and max(sleeps) == pytest.approx(10.0)


@pytest.mark.points(2)
def test_retry_first_success_and_single_attempt():
    sleeps = []
    result = object()
    assert retry(Flaky(result=result), sleep=sleeps.append) is result
    assert sleeps == []
    flaky = Flaky(TransientError())
    with pytest.raises(TransientError):
        retry(flaky, attempts=1, sleep=sleeps.append)
    assert flaky.calls == 1 and sleeps == []
    assert same(retry(Flaky(TransientError()), base_delay=0, max_delay=0, sleep=sleeps.append), "ok")
    assert sleeps == [0]


@pytest.mark.points(3)
def test_retry_only_retries_what_it_is_told():
    sleeps = []
    bug = ValueError("bad input")
    flaky = Flaky(TransientError(), bug)
    with pytest.raises(ValueError) as info:
        retry(flaky, attempts=5, sleep=sleeps.append)
    assert info.value is bug and flaky.calls == 2 and len(sleeps) == 1

    class ResetByPeer(ConnectionError):
        pass

    sleeps.clear()
    flaky = Flaky(ResetByPeer(), TimeoutError())
    assert same(retry(flaky, attempts=3, retry_on=(ConnectionError, TimeoutError), sleep=sleeps.append), "ok")
    assert flaky.calls == 3 and len(sleeps) == 2
    flaky = Flaky(TransientError())
    with pytest.raises(TransientError):
        retry(flaky, attempts=3, retry_on=(ConnectionError,), sleep=sleeps.append)
    assert flaky.calls == 1


def test_breaker_validation():
    for kwargs in ({"failure_threshold": 0}, {"failure_threshold": -2}, {"reset_timeout": 0}, {"reset_timeout": -5}):
        with pytest.raises(ValueError):
            CircuitBreaker(clock=FakeClock(), **kwargs)


@pytest.mark.points(3)
def test_only_consecutive_failures_open_the_circuit():
    breaker = CircuitBreaker(failure_threshold=3, reset_timeout=10, clock=FakeClock())
    assert state(breaker) == "closed"
    outcomes = [TransientError(), TransientError(), None, TransientError(), TransientError(), None,
                TransientError(), TransientError()]
    for outcome in outcomes:
        if outcome is None:
            assert same(breaker.call(lambda: 42), 42)
        else:
            with pytest.raises(TransientError):
                breaker.call(Flaky(outcome))
        assert state(breaker) == "closed"
    with pytest.raises(TransientError):
        breaker.call(Flaky(TransientError()))
    assert state(breaker) == "open"


@pytest.mark.points(3)
def test_reset_timeout_boundary():
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=1, reset_timeout=30, clock=clock)
    with pytest.raises(TransientError):
        breaker.call(Flaky(TransientError()))
    dependency = Flaky()
    clock.advance(29.5)
    assert state(breaker) == "open"
    with pytest.raises(CircuitOpenError):
        breaker.call(dependency)
    assert dependency.calls == 0
    clock.advance(0.5)
    assert state(breaker) == "half_open"
    assert same(breaker.call(dependency), "ok") and dependency.calls == 1
    assert state(breaker) == "closed"


@pytest.mark.points(3)
def test_failed_trial_reopens_from_the_failure_time():
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=2, reset_timeout=30, clock=clock)
    for _ in range(2):
        with pytest.raises(TransientError):
            breaker.call(Flaky(TransientError()))
    clock.advance(45)                                   # well past the timeout
    with pytest.raises(TransientError):
        breaker.call(Flaky(TransientError()))           # the trial fails at t=1045
    assert state(breaker) == "open"
    clock.advance(29)
    with pytest.raises(CircuitOpenError):
        breaker.call(Flaky())
    clock.advance(1)
    assert state(breaker) == "half_open"
    assert same(breaker.call(Flaky(result=7)), 7)
    # Closed again with a fresh count: one failure is not enough to reopen.
    with pytest.raises(TransientError):
        breaker.call(Flaky(TransientError()))
    assert state(breaker) == "closed"


@pytest.mark.points(3)
def test_one_trial_at_a_time():
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=1, reset_timeout=5, clock=clock)
    with pytest.raises(TransientError):
        breaker.call(Flaky(TransientError()))
    clock.advance(5)
    inner = Flaky()
    seen = {}

    def trial():
        seen["state"] = breaker.state
        with pytest.raises(CircuitOpenError):
            breaker.call(inner)           # a second call while the trial runs
        return "trial ok"

    assert same(breaker.call(trial), "trial ok")
    assert same(seen["state"], "half_open")
    assert inner.calls == 0
    assert state(breaker) == "closed"


@pytest.mark.points(2)
def test_exceptions_outside_failure_on():
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=2, reset_timeout=10, clock=clock, failure_on=(TransientError,))
    with pytest.raises(TransientError):
        breaker.call(Flaky(TransientError()))
    with pytest.raises(KeyError):
        breaker.call(Flaky(KeyError("not the dependency's fault")))   # neither failure nor success
    assert state(breaker) == "closed"
    with pytest.raises(TransientError):
        breaker.call(Flaky(TransientError()))
    assert state(breaker) == "open"
    clock.advance(10)
    with pytest.raises(KeyError):
        breaker.call(Flaky(KeyError("x")))                                # trial inconclusive
    assert state(breaker) == "half_open"
    assert same(breaker.call(Flaky(result="fine")), "fine")  # the next call is a new trial
    assert state(breaker) == "closed"


@pytest.mark.points(3)
def test_retry_around_breaker_fails_fast_when_open():
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=2, reset_timeout=60, clock=clock)
    dependency = Flaky(*[TransientError() for _ in range(10)])
    sleeps = []
    with pytest.raises(CircuitOpenError):
        retry(lambda: breaker.call(dependency), attempts=5, sleep=sleeps.append)
    assert dependency.calls == 2
    assert delays(sleeps) == pytest.approx([0.1, 0.2], abs=1e-9)


@pytest.mark.points(3)
@pytest.mark.skill("concurrency")
def test_concurrent_callers_get_a_single_trial():
    clock = FakeClock()
    breaker = CircuitBreaker(failure_threshold=1, reset_timeout=5, clock=clock)
    with pytest.raises(TransientError):
        breaker.call(Flaky(TransientError()))
    clock.advance(5)
    entered, release = threading.Event(), threading.Event()
    calls = []
    calls_lock = threading.Lock()

    def slow_dependency():
        with calls_lock:
            calls.append(1)
        entered.set()
        release.wait(timeout=5)
        return "recovered"

    results = []

    def caller():
        try:
            results.append(breaker.call(slow_dependency))
        except CircuitOpenError:
            results.append("rejected")

    trial = threading.Thread(target=caller, daemon=True)
    trial.start()
    assert entered.wait(timeout=5)
    others = [threading.Thread(target=caller, daemon=True) for _ in range(7)]
    for t in others:
        t.start()
    deadline = time.monotonic() + 2  # rejections are immediate: 2 s for all of them
    for t in others:
        t.join(timeout=max(0.0, deadline - time.monotonic()))
    rejected_fast = not any(t.is_alive() for t in others)
    release.set()
    trial.join(timeout=5)
    for t in others:
        t.join(timeout=5)
    assert rejected_fast, "callers waited for the trial instead of being rejected"
    assert len(calls) == 1
    assert sorted(results) == ["recovered"] + ["rejected"] * 7
    assert state(breaker) == "closed"
