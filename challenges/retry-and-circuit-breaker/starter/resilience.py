"""Resilience helpers for calling flaky dependencies: retry with backoff, and a circuit breaker."""

import time
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")


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
    raise NotImplementedError


class CircuitBreaker:
    """Stops calling a failing dependency for a while, then lets one trial call through."""

    def __init__(
        self,
        failure_threshold: int = 5,
        reset_timeout: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        failure_on: tuple[type[BaseException], ...] = (Exception,),
    ):
        raise NotImplementedError

    @property
    def state(self) -> str:
        """"closed", "open" or "half_open" at the current clock time."""
        raise NotImplementedError

    def call(self, func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Call func(*args, **kwargs) unless the circuit is open."""
        raise NotImplementedError
