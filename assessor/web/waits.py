"""Requests held open (long-polls, status streams) share a small allowance per web process.

A held request keeps one of the server's threads (gunicorn gthread: 8 a process) while it waits.
At most LONG_POLL_MAX are held at once in a process; past that, a request is answered at once
with the state as it is and when to ask again, so waiting never takes the threads that pages,
saves and runs need.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

from flask import current_app, request

RETRY_AFTER_S = 1  # when no wait could be held: ask again after this


class HeldRequests:
    """A count of held requests with a ceiling; taking a place never blocks."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._places = threading.BoundedSemaphore(limit) if limit > 0 else None

    def take(self) -> bool:
        """Take a place if one is free; return whether one was."""
        return self._places is not None and self._places.acquire(blocking=False)

    def give_back(self) -> None:
        self._places.release()


def held() -> HeldRequests:
    """Return this process's allowance (made on first use: after a server forks its workers)."""
    extensions = current_app.extensions
    if "assessor.held" not in extensions:
        extensions.setdefault("assessor.held", HeldRequests(current_app.config["LONG_POLL_MAX"]))
    return extensions["assessor.held"]


@contextlib.contextmanager
def holding() -> Iterator[bool]:
    """Hold a place for the block if one is free; yield whether one was."""
    places = held()
    took = places.take()
    try:
        yield took
    finally:
        if took:
            places.give_back()


def requested_wait() -> float:
    """Return how long the client may be kept waiting (?wait=seconds), 0 when it asks for none."""
    try:
        wanted = float(request.args.get("wait", 0))
    except ValueError:
        return 0.0
    if wanted != wanted:  # NaN
        return 0.0
    return min(max(wanted, 0.0), float(current_app.config["LONG_POLL_SECONDS"]))
