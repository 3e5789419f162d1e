"""The rate limiter's state, in Redis (REDIS_URL), shared by every instance of the service."""

import os

import redis

client = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))

# TODO: the sliding-window log of each API key, and the limits set by PUT /limits/<key>.
