"""Resilience helpers for calling flaky dependencies: retry with backoff, and a circuit breaker."""

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"


class TransientError(Exception):
    """A failure worth retrying (timeout, 503, reset connection). Keep as is."""


class CircuitOpenError(Exception):
    """Raised by the breaker instead of calling the dependency. Keep as is."""


def retry(
    func: Callable[[], T],
    *,
    attempts: int = 3,
    base_delay: float = 0.1,
    max_delay: float = 2.0,
    retry_on: tuple[type[BaseException], ...] = (TransientError,),
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Call func, retrying retry_on exceptions with capped exponential backoff."""
    if attempts < 1 or base_delay < 0 or max_delay < base_delay:
        raise ValueError("need attempts >= 1 and 0 <= base_delay <= max_delay")
    delay = base_delay
    for _ in range(attempts - 1):
        try:
            return func()
        except retry_on:
            pass
        sleep(delay)
        delay = min(max_delay, delay * 2)  # doubling: never overflows, however many attempts
    return func()  # the last attempt: whatever it raises propagates unchanged


class CircuitBreaker:
    """Stops calling a failing dependency for a while, then lets one trial call through."""

    def __init__(
        self,
        failure_threshold: int = 5,
        reset_timeout: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        failure_on: tuple[type[BaseException], ...] = (Exception,),
    ):
        if isinstance(failure_threshold, bool) or not isinstance(failure_threshold, int) or failure_threshold < 1:
            raise ValueError("failure_threshold must be an integer >= 1")
        if not reset_timeout > 0:
            raise ValueError("reset_timeout must be positive")
        self._threshold = failure_threshold
        self._reset_timeout = reset_timeout
        self._clock = clock
        self._failure_on = failure_on
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_running = False

    @property
    def state(self) -> str:
        """"closed", "open" or "half_open" at the current clock time."""
        with self._lock:
            return self._state()

    def call(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Call func(*args, **kwargs) unless the circuit is open."""
        with self._lock:
            state = self._state()
            if state == OPEN or self._trial_running:
                raise CircuitOpenError("circuit open: not calling the dependency")
            trial = state == HALF_OPEN
            if trial:
                self._trial_running = True
        # The dependency runs outside the lock; the trial flag keeps half-open to one caller.
        try:
            result = func(*args, **kwargs)
        except self._failure_on:
            with self._lock:
                self._on_failure(trial)
            raise
        except BaseException:
            with self._lock:
                if trial:
                    self._trial_running = False  # not a verdict on the dependency: try again
            raise
        with self._lock:
            self._on_success(trial)
        return result

    # The helpers below expect the lock to be held.

    def _state(self) -> str:
        if self._opened_at is None:
            return CLOSED
        if self._trial_running or self._clock() - self._opened_at >= self._reset_timeout:
            return HALF_OPEN
        return OPEN

    def _on_failure(self, trial: bool) -> None:
        if trial:
            self._trial_running = False  # back to open (opened_at is unchanged)
            return
        self._failures += 1
        if self._failures >= self._threshold and self._opened_at is None:
            self._opened_at = self._clock()

    def _on_success(self, trial: bool) -> None:
        if trial:
            self._trial_running = False
            self._opened_at = None
            self._failures = 0
        elif self._opened_at is None:
            # A late success from a call that started before the circuit opened changes nothing.
            self._failures = 0
