"""Sliding-window log kept in this process's memory, under a lock."""

import collections
import threading
import time
from dataclasses import dataclass

DEFAULT_CAPACITY = 10
DEFAULT_WINDOW_MS = 60000

lock = threading.Lock()
logs = collections.defaultdict(collections.deque)
limits = {}


@dataclass(frozen=True)
class Decision:
    allowed: bool
    capacity: int
    remaining: int
    retry_after: int


def hit(key):
    """Count one request of `key` if its window has room; say whether it was allowed."""
    capacity, window = get_limit(key)
    with lock:
        now = int(time.time() * 1000)
        log = logs[key]
        while log and log[0] <= now - window:
            log.popleft()
        if len(log) < capacity:
            log.append(now)
            return Decision(True, capacity, capacity - len(log), 0)
        wait_ms = log[0] + window - now
        return Decision(False, capacity, 0, max(1, -(-wait_ms // 1000)))


def get_limit(key):
    """Return (capacity, window_ms) of `key`, the defaults when none was set."""
    with lock:
        return limits.get(key, (DEFAULT_CAPACITY, DEFAULT_WINDOW_MS))


def set_limit(key, capacity, window_ms):
    """Store the limit of `key`."""
    with lock:
        limits[key] = (capacity, window_ms)
