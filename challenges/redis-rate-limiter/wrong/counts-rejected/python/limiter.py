"""Sliding-window log in Redis, one MULTI per request that logs every request, even rejected."""

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
    """Log one request of `key`; it is allowed when the window holds at most `capacity`."""
    capacity, window = get_limit(key)
    log = f"rl:log:{key}"
    seconds, micros = client.time()
    now = seconds * 1000 + micros // 1000
    pipe = client.pipeline(transaction=True)
    pipe.zremrangebyscore(log, "-inf", now - window)
    pipe.zadd(log, {uuid.uuid4().hex: now})
    pipe.zcard(log)
    pipe.zrange(log, 0, 0, withscores=True)
    pipe.pexpire(log, window)
    _, _, count, oldest, _ = pipe.execute()
    if count <= capacity:
        return Decision(True, capacity, capacity - count, 0)
    wait_ms = int(oldest[0][1]) + window - now
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
