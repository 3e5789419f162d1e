"""A warm pool of single-use container pairs, started ahead of their jobs.

Each pair is created, attached and started before any job exists: its agent and supervisor have
loaded their interpreters and pytest and wait on stdin. A job takes one pair, uses it once, and
the pair is then removed; a background thread starts a replacement. A pair never serves a second
job, so nothing of one candidate's run can meet another's. Pairs waiting too long are recycled;
pairs found dead (an engine restart) are dropped and replaced.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from collections.abc import Callable
from typing import NamedTuple

from .model import Limits

log = logging.getLogger(__name__)
CHECK_EVERY_S = 10.0  # how often waiting pairs are looked at (age, and whether still running)
BACKOFF_S = (1.0, 2.0, 5.0, 10.0, 30.0)  # after a failed start: the engine may be restarting


class PoolKey(NamedTuple):
    """What a pair is made for: the image and the limits fixed when its containers are created."""

    image: str
    cpus: float
    memory_mb: int
    pids: int
    scratch_mb: int
    file_mb: int

    @classmethod
    def of(cls, image: str, limits: Limits) -> PoolKey:
        fixed = (limits.cpus, limits.memory_mb, limits.pids, limits.scratch_mb, limits.file_mb)
        return cls(image, *fixed)


class WarmPool:
    """Keep `size` started pairs ready for each key a job has needed (or that was warmed)."""

    def __init__(
        self,
        start_pair: Callable[[PoolKey], object],
        dispose: Callable[[object], None],
        *,
        size: int,
        max_idle_s: float = 300.0,
    ) -> None:
        self.size = size
        self.max_idle_s = max_idle_s
        self._start_pair = start_pair
        self._dispose = dispose
        self._ready: dict[PoolKey, collections.deque] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._failures = 0
        self._thread = threading.Thread(target=self._loop, name="sandbox-pool", daemon=True)
        self._thread.start()

    def want(self, key: PoolKey) -> None:
        """Keep pairs ready for `key` from now on."""
        with self._lock:
            self._ready.setdefault(key, collections.deque())
        self._wake.set()

    def take(self, key: PoolKey, image_id: str) -> object | None:
        """Return a ready pair for `key` made from image `image_id`, or None (start one cold)."""
        self.want(key)
        while True:
            with self._lock:
                waiting = self._ready[key]
                pair = waiting.popleft() if waiting else None
            if pair is None:
                return None
            self._wake.set()  # a replacement starts while this pair works
            if pair.image_id == image_id and pair.running():
                return pair
            self._dispose(pair)  # the image was rebuilt, or the engine restarted

    def ready(self, key: PoolKey) -> int:
        """Return how many pairs wait for `key`."""
        with self._lock:
            return len(self._ready.get(key, ()))

    def close(self) -> None:
        """Stop refilling and remove every waiting pair (a worker shutting down)."""
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=60)
        with self._lock:
            pairs = [pair for waiting in self._ready.values() for pair in waiting]
            self._ready.clear()
        for pair in pairs:
            self._dispose(pair)

    def _loop(self) -> None:
        next_check = time.monotonic() + CHECK_EVERY_S
        while not self._stop.is_set():
            if time.monotonic() >= next_check:
                self._prune()
                next_check = time.monotonic() + CHECK_EVERY_S
            key = self._short_key()
            if key is None:
                self._wake.wait(timeout=max(next_check - time.monotonic(), 0.1))
                self._wake.clear()
                continue
            self._fill(key)

    def _short_key(self) -> PoolKey | None:
        with self._lock:
            return next((k for k, w in self._ready.items() if len(w) < self.size), None)

    def _fill(self, key: PoolKey) -> None:
        try:
            pair = self._start_pair(key)
        except Exception as exc:  # the engine is down or refuses: wait, then try again
            delay = BACKOFF_S[min(self._failures, len(BACKOFF_S) - 1)]
            self._failures += 1
            log.warning("sandbox pool: could not start a pair (retry in %ss): %s", delay, exc)
            self._stop.wait(delay)
            return
        self._failures = 0
        with self._lock:
            if not self._stop.is_set() and key in self._ready:
                self._ready[key].append(pair)
                return
        self._dispose(pair)

    def _prune(self) -> None:
        """Drop pairs that waited too long (fresh ones replace them) or died."""
        now = time.monotonic()
        with self._lock:
            candidates = [(k, p) for k, w in self._ready.items() for p in list(w)]
        for key, pair in candidates:
            stale = now - pair.created > self.max_idle_s
            if stale or not pair.running():
                with self._lock:
                    waiting = self._ready.get(key)
                    if waiting is None or pair not in waiting:
                        continue
                    waiting.remove(pair)
                self._dispose(pair)
