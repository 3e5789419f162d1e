"""A thread-safe, size-bounded cache with per-entry expiry and single-flight loading."""

import time
from collections.abc import Callable, Hashable
from typing import Any


class TTLCache:
    """Bounded cache: entries expire after a time-to-live; the least recently used is evicted first."""

    def __init__(self, capacity: int, ttl: float, clock: Callable[[], float] = time.monotonic):
        raise NotImplementedError

    def get(self, key: Hashable, default: Any = None) -> Any:
        """Return the live value for key (marking it most recently used) or default."""
        raise NotImplementedError

    def set(self, key: Hashable, value: Any, ttl: float | None = None) -> None:
        """Store value for ttl seconds (the default ttl when None), as the most recently used entry."""
        raise NotImplementedError

    def delete(self, key: Hashable) -> bool:
        """Remove key; return True if a live entry was removed."""
        raise NotImplementedError

    def __len__(self) -> int:
        """Number of live entries."""
        raise NotImplementedError

    def __contains__(self, key: Hashable) -> bool:
        """Whether key has a live entry; does not change recency."""
        raise NotImplementedError

    def get_or_load(self, key: Hashable, loader: Callable[[], Any]) -> Any:
        """Return the live value, or run loader once (per key, across threads) and cache its result."""
        raise NotImplementedError
