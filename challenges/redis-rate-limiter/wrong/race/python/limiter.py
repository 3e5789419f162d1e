"""Sliding-window log in Redis, read then written in separate round trips (not atomic)."""

import os
import uuid
from dataclasses import dataclass

import redis

DEFAULT_CAPACITY = 10
DEFAULT_WINDOW_MS = 60000

client = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))


@dataclass(frozen=True)
class Decision:
    allowed: bool
    capacity: int
    remaining: int
    retry_after: int


def hit(key):
    """Count one request of `key` if its window has room; say whether it was allowed."""
    capacity, window = get_limit(key)
    log = f"rl:log:{key}"
    seconds, micros = client.time()
    now = seconds * 1000 + micros // 1000
    pipe = client.pipeline()
    pipe.zremrangebyscore(log, "-inf", now - window)
    pipe.zcard(log)
    count = pipe.execute()[1]
    if count < capacity:
        pipe = client.pipeline()
        pipe.zadd(log, {uuid.uuid4().hex: now})
        pipe.pexpire(log, window)
        pipe.execute()
        return Decision(True, capacity, capacity - count - 1, 0)
    oldest = client.zrange(log, 0, 0, withscores=True)
    wait_ms = int(oldest[0][1]) + window - now if oldest else 1000
    return Decision(False, capacity, 0, max(1, -(-wait_ms // 1000)))


def get_limit(key):
    """Return (capacity, window_ms) of `key`, the defaults when none was set."""
    capacity, window_ms = client.hmget(f"rl:limit:{key}", "capacity", "window_ms")
    if capacity is None or window_ms is None:
        return DEFAULT_CAPACITY, DEFAULT_WINDOW_MS
    return int(capacity), int(window_ms)


def set_limit(key, capacity, window_ms):
    """Store the limit of `key`, shared by every instance."""
    client.hset(f"rl:limit:{key}", mapping={"capacity": capacity, "window_ms": window_ms})
