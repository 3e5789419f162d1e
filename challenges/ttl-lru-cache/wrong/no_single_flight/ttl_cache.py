"""A thread-safe, size-bounded cache with per-entry expiry and single-flight loading."""

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

_MISSING = object()


class TTLCache:
    """Bounded cache: entries expire after a time-to-live; the least recently used is evicted first."""

    def __init__(self, capacity: int, ttl: float, clock: Callable[[], float] = time.monotonic):
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        if ttl <= 0:
            raise ValueError("ttl must be positive")
        self._capacity = capacity
        self._ttl = ttl
        self._clock = clock
        self._entries: OrderedDict[Hashable, tuple[Any, float]] = OrderedDict()  # LRU first
        self._lock = threading.Lock()

    def get(self, key: Hashable, default: Any = None) -> Any:
        """Return the live value for key (marking it most recently used) or default."""
        with self._lock:
            value = self._live_value(key, self._clock())
            if value is _MISSING:
                return default
            self._entries.move_to_end(key)
            return value

    def set(self, key: Hashable, value: Any, ttl: float | None = None) -> None:
        """Store value for ttl seconds (the default ttl when None), as the most recently used entry."""
        if ttl is None:
            ttl = self._ttl
        elif ttl <= 0:
            raise ValueError("ttl must be positive")
        with self._lock:
            self._store(key, value, ttl)

    def delete(self, key: Hashable) -> bool:
        """Remove key; return True if a live entry was removed."""
        with self._lock:
            if self._live_value(key, self._clock()) is _MISSING:
                return False
            del self._entries[key]
            return True

    def __len__(self) -> int:
        """Number of live entries."""
        with self._lock:
            self._purge_expired(self._clock())
            return len(self._entries)

    def __contains__(self, key: Hashable) -> bool:
        """Whether key has a live entry; does not change recency."""
        with self._lock:
            return self._live_value(key, self._clock()) is not _MISSING

    def get_or_load(self, key: Hashable, loader: Callable[[], Any]) -> Any:
        """Return the live value, or run loader and cache its result."""
        with self._lock:
            value = self._live_value(key, self._clock())
            if value is not _MISSING:
                self._entries.move_to_end(key)
                return value
        value = loader()
        with self._lock:
            self._store(key, value, self._ttl)
        return value

    # The helpers below expect the lock to be held.

    def _live_value(self, key: Hashable, now: float) -> Any:
        entry = self._entries.get(key)
        if entry is None:
            return _MISSING
        value, expires_at = entry
        if now >= expires_at:
            del self._entries[key]
            return _MISSING
        return value

    def _purge_expired(self, now: float) -> None:
        for key in [k for k, (_, expires_at) in self._entries.items() if now >= expires_at]:
            del self._entries[key]

    def _store(self, key: Hashable, value: Any, ttl: float) -> None:
        now = self._clock()
        if key in self._entries:
            del self._entries[key]  # re-inserted below as the most recently used
        elif len(self._entries) >= self._capacity:
            self._purge_expired(now)
            if len(self._entries) >= self._capacity:
                self._entries.popitem(last=False)
        self._entries[key] = (value, now + ttl)
