"""Token-bucket rate limiting: a single bucket, and a per-key limiter built from buckets."""

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Decision:
    """The outcome of one rate-limit check (do not change this class)."""

    allowed: bool
    remaining: int  # whole tokens left after this decision (rounded down)
    retry_after: float  # seconds until this same request would succeed; 0.0 when allowed


class TokenBucket:
    """Holds up to `capacity` tokens, refilled continuously at `refill_per_second`."""

    def __init__(self, capacity: int, refill_per_second: float, clock: Callable[[], float] = time.monotonic):
        raise NotImplementedError

    def available(self) -> float:
        """Current number of tokens, fractions included."""
        raise NotImplementedError

    def try_acquire(self, tokens: int = 1) -> Decision:
        """Take `tokens` if they are all available; never take a partial amount."""
        raise NotImplementedError


class RateLimiter:
    """One token bucket per key, created full on the key's first request."""

    def __init__(self, capacity: int, refill_per_second: float, clock: Callable[[], float] = time.monotonic):
        raise NotImplementedError

    def allow(self, key: str, cost: int = 1) -> Decision:
        """Spend `cost` tokens from the key's bucket if it can."""
        raise NotImplementedError

    def prune(self) -> int:
        """Forget keys whose bucket is full; return how many were forgotten."""
        raise NotImplementedError

    def __len__(self) -> int:
        """Number of keys currently tracked."""
        raise NotImplementedError
