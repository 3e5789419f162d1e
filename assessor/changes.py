"""Tell waiting requests that a submission's grading state changed.

The worker publishes a submission's id when it is done with it; a request waiting on it (a
candidate's long-poll, a staff status stream) wakes and reads the new state from the database.
A notice says only "look again", so a lost one costs a waiting request its next regular look,
never a result. Chosen by QUEUE_URL, like the queue:

- the embedded SQLite queue (one host): a doorbell next to the queue file;
- Redis (any number of hosts): Redis pub/sub;
- a feed that cannot be reached: subscriptions that never wake, so callers look more often.
"""

from __future__ import annotations

import contextlib
import logging
import time
from pathlib import Path
from typing import Protocol
from urllib.parse import urlparse

import redis
from flask import Flask, current_app

from assessor.doorbell import Doorbell
from assessor.queue_storage import doorbell_folder

log = logging.getLogger(__name__)

CHANNEL = "assessor.runs."  # Redis: one channel per submission, CHANNEL + id
ANY = None  # subscribe to every submission


class Subscription(Protocol):
    """Hears of changes to one submission (or any) until closed."""

    live: bool  # False: nothing will ever be heard; look at the database more often

    def wait(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for a notice (one already arrived counts)."""

    def close(self) -> None: ...


class ChangeFeed(Protocol):
    def publish(self, submission_id: int) -> None:
        """Announce that a submission's state changed; never raises."""

    def subscribe(self, submission_id: int | None) -> Subscription:
        """Start hearing of one submission's changes (ANY: every submission's); never raises."""


class Deaf:
    """A subscription that hears nothing: the feed could not be reached."""

    live = False

    def wait(self, timeout: float) -> bool:
        time.sleep(max(timeout, 0))
        return False

    def close(self) -> None:
        pass


def _topic(submission_id: int | None) -> str:
    return "run-any" if submission_id is None else f"run-{submission_id}"


class DoorbellFeed:
    """Notices between the processes of one host, through FIFOs next to the queue file."""

    def __init__(self, folder: str) -> None:
        self.doorbell = Doorbell(folder)

    def publish(self, submission_id: int) -> None:
        self.doorbell.ring(_topic(submission_id), _topic(ANY))

    def subscribe(self, submission_id: int | None) -> Subscription:
        try:
            return self.doorbell.listen(_topic(submission_id))
        except OSError as exc:
            log.warning("change notices unavailable in %s: %s", self.doorbell.folder, exc)
            return Deaf()


class RedisSubscription:
    def __init__(self, pubsub) -> None:
        self.pubsub = pubsub
        self.live = True

    def wait(self, timeout: float) -> bool:
        if not self.live:
            return Deaf().wait(timeout)
        deadline = time.monotonic() + timeout
        try:
            while True:
                remaining = max(deadline - time.monotonic(), 0.0)
                if self.pubsub.get_message(ignore_subscribe_messages=True, timeout=remaining):
                    return True
                if remaining <= 0:
                    return False
        except (redis.RedisError, OSError) as exc:
            log.warning("change notices from Redis lost: %s", exc)
            self.live = False
            return True  # look now: a notice may have been lost with the connection

    def close(self) -> None:
        with contextlib.suppress(redis.RedisError, OSError):
            self.pubsub.close()


class RedisFeed:
    """Notices across hosts, by Redis pub/sub on the queue's server."""

    def __init__(self, url: str) -> None:
        self.client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)

    def publish(self, submission_id: int) -> None:
        try:
            self.client.publish(f"{CHANNEL}{submission_id}", b"1")
        except (redis.RedisError, OSError) as exc:
            log.warning("could not announce submission %s: %s", submission_id, exc)

    def subscribe(self, submission_id: int | None) -> Subscription:
        pubsub = self.client.pubsub()
        try:
            if submission_id is None:
                pubsub.psubscribe(f"{CHANNEL}*")
            else:
                pubsub.subscribe(f"{CHANNEL}{submission_id}")
            # Wait for Redis to confirm: a notice published after that is heard, so the caller's
            # first look at the database, which comes next, cannot fall between the two.
            deadline = time.monotonic() + 2
            while (remaining := deadline - time.monotonic()) > 0:
                message = pubsub.get_message(timeout=remaining)
                if message and message["type"] in ("subscribe", "psubscribe"):
                    return RedisSubscription(pubsub)
            raise redis.TimeoutError("no confirmation of the subscription")
        except (redis.RedisError, OSError) as exc:
            log.warning("change notices unavailable from Redis: %s", exc)
            pubsub.close()
            return Deaf()


def make_feed(queue_url: str) -> ChangeFeed:
    """Build the change feed that goes with a QUEUE_URL."""
    scheme = urlparse(queue_url).scheme
    if scheme == "sqlite":
        return DoorbellFeed(doorbell_folder(str(Path(queue_url.removeprefix("sqlite:///")))))
    if scheme in ("redis", "rediss"):
        return RedisFeed(queue_url)
    raise ValueError(f"QUEUE_URL must be sqlite:///path or redis://..., got {queue_url!r}")


def init_app(app: Flask) -> None:
    """Attach the change feed for the app's QUEUE_URL (nothing is opened until it is used)."""
    app.extensions["assessor.changes"] = make_feed(app.config["QUEUE_URL"])


def feed() -> ChangeFeed:
    """Return the current app's change feed."""
    return current_app.extensions["assessor.changes"]
