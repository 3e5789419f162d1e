"""Token-bucket rate limiting: a single bucket, and a per-key limiter built from buckets."""

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Decision:
    """The outcome of one rate-limit check (do not change this class)."""

    allowed: bool
    remaining: int  # whole tokens left after this decision (rounded down)
    retry_after: float  # seconds until this same request would succeed; 0.0 when allowed


def _validate(capacity: int, refill_per_second: float) -> None:
    if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < 1:
        raise ValueError("capacity must be an integer >= 1")
    if not refill_per_second > 0:
        raise ValueError("refill_per_second must be positive")


class TokenBucket:
    """Holds up to `capacity` tokens, refilled continuously at `refill_per_second`."""

    def __init__(self, capacity: int, refill_per_second: float, clock: Callable[[], float] = time.monotonic):
        _validate(capacity, refill_per_second)
        self.capacity = capacity
        self.rate = refill_per_second
        self._clock = clock
        self._tokens = float(capacity)
        self._updated = clock()
        self._lock = threading.Lock()

    def available(self) -> float:
        """Current number of tokens, fractions included."""
        with self._lock:
            self._refill()
            return self._tokens

    def try_acquire(self, tokens: int = 1) -> Decision:
        """Take `tokens` if they are all available; never take a partial amount."""
        if isinstance(tokens, bool) or not isinstance(tokens, int) or not 1 <= tokens <= self.capacity:
            raise ValueError(f"tokens must be an integer from 1 to {self.capacity}")
        with self._lock:
            self._refill()
            if self._tokens >= tokens:
                self._tokens -= tokens
                return Decision(True, math.floor(self._tokens), 0.0)
            wait = (tokens - self._tokens) / self.rate
            return Decision(False, math.floor(self._tokens), float(wait))

    def _refill(self) -> None:
        # Lazy refill from the elapsed time; keeping `_updated` at the latest time seen means a
        # clock that steps backwards can neither mint tokens nor take them away.
        now = self._clock()
        if now > self._updated:
            self._tokens = self._tokens + (now - self._updated) * self.rate
            self._updated = now


class RateLimiter:
    """One token bucket per key, created full on the key's first request."""

    def __init__(self, capacity: int, refill_per_second: float, clock: Callable[[], float] = time.monotonic):
        _validate(capacity, refill_per_second)
        self._capacity = capacity
        self._rate = refill_per_second
        self._clock = clock
        self._buckets: dict[str, TokenBucket] = {}
        # One lock for the registry and the spend: get-or-create must be atomic (or two first
        # requests each get a fresh full bucket), and prune must not drop a bucket mid-spend.
        self._lock = threading.Lock()

    def allow(self, key: str, cost: int = 1) -> Decision:
        """Spend `cost` tokens from the key's bucket if it can."""
        if isinstance(cost, bool) or not isinstance(cost, int) or not 1 <= cost <= self._capacity:
            raise ValueError(f"cost must be an integer from 1 to {self._capacity}")
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = TokenBucket(self._capacity, self._rate, self._clock)
            return bucket.try_acquire(cost)

    def prune(self) -> int:
        """Forget keys whose bucket is full; return how many were forgotten."""
        with self._lock:
            full = [key for key, bucket in self._buckets.items() if bucket.available() >= self._capacity]
            for key in full:
                del self._buckets[key]
            return len(full)

    def __len__(self) -> int:
        """Number of keys currently tracked."""
        with self._lock:
            return len(self._buckets)
