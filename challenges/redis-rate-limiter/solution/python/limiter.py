"""Sliding-window log in Redis: one sorted set of accepted request times per API key."""

import os
import uuid
from dataclasses import dataclass

import redis

DEFAULT_CAPACITY = 10
DEFAULT_WINDOW_MS = 60000

client = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))

# One script, so that reading the log and adding to it are one atomic step: two instances
# (or two threads) can never both see "one slot left" and both take it.
HIT = client.register_script("""
local limit = redis.call('HMGET', KEYS[2], 'capacity', 'window_ms')
local capacity = tonumber(limit[1]) or tonumber(ARGV[2])
local window = tonumber(limit[2]) or tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count < capacity then
  redis.call('ZADD', KEYS[1], now, ARGV[1])
  redis.call('PEXPIRE', KEYS[1], window)
  return {1, capacity, capacity - count - 1, 0}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {0, capacity, 0, tonumber(oldest[2]) + window - now}
""")


@dataclass(frozen=True)
class Decision:
    allowed: bool
    capacity: int
    remaining: int
    retry_after: int


def hit(key):
    """Count one request of `key` if its window has room; say whether it was allowed."""
    member = uuid.uuid4().hex  # two requests in the same millisecond are two entries
    allowed, capacity, remaining, wait_ms = HIT(
        keys=[f"rl:log:{key}", f"rl:limit:{key}"],
        args=[member, DEFAULT_CAPACITY, DEFAULT_WINDOW_MS],
    )
    return Decision(bool(allowed), capacity, remaining, max(1, -(-wait_ms // 1000)))


def get_limit(key):
    """Return (capacity, window_ms) of `key`, the defaults when none was set."""
    capacity, window_ms = client.hmget(f"rl:limit:{key}", "capacity", "window_ms")
    if capacity is None or window_ms is None:
        return DEFAULT_CAPACITY, DEFAULT_WINDOW_MS
    return int(capacity), int(window_ms)


def set_limit(key, capacity, window_ms):
    """Store the limit of `key`, shared by every instance."""
    client.hset(f"rl:limit:{key}", mapping={"capacity": capacity, "window_ms": window_ms})
