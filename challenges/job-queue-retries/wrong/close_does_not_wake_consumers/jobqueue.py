"""An in-process job queue: leases via get/ack/fail, bounded retries, dead letters."""

import threading
from collections import deque
from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True)
class Job:
    """One delivery of a job (do not change this class)."""

    id: str
    payload: Any
    attempt: int  # 1 on the first delivery, 2 on the first retry, ...


@dataclass(frozen=True)
class DeadLetter:
    """A job that failed on every allowed attempt (do not change this class)."""

    id: str
    payload: Any
    attempts: int
    errors: tuple[str, ...]  # the error of every failed attempt, oldest first


class JobQueue:
    """FIFO queue of jobs that are acknowledged or failed by their consumer; thread-safe."""

    def __init__(self, max_attempts: int = 3):
        if isinstance(max_attempts, bool) or not isinstance(max_attempts, int) or max_attempts < 1:
            raise ValueError("max_attempts must be an integer >= 1")
        self._max_attempts = max_attempts
        lock = threading.Lock()
        # Two conditions on one lock: waking a joiner must never consume a wake-up meant for a
        # consumer, and vice versa.
        self._available = threading.Condition(lock)
        self._drained = threading.Condition(lock)
        self._queue: deque[Job] = deque()  # attempt = deliveries so far
        self._in_flight: dict[str, Job] = {}
        self._errors: dict[str, list[str]] = {}
        self._seen: set[str] = set()
        self._dead: list[DeadLetter] = []
        self._done = 0
        self._closed = False

    def put(self, job_id: str, payload: Any) -> None:
        """Append a new job; ids are unique for the queue's lifetime."""
        with self._available:
            if self._closed:
                raise RuntimeError("queue is closed")
            if job_id in self._seen:
                raise ValueError(f"job {job_id!r} was already put")
            self._seen.add(job_id)
            self._queue.append(Job(job_id, payload, 0))
            self._available.notify()

    def get(self, timeout: float | None = None) -> Job | None:
        """Deliver the oldest queued job, waiting up to timeout; None on timeout or once closed and empty."""
        with self._available:
            if not self._available.wait_for(lambda: self._queue or self._closed, timeout):
                return None
            if not self._queue:  # closed and empty
                return None
            job = self._queue.popleft()
            job = replace(job, attempt=job.attempt + 1)
            self._in_flight[job.id] = job
            return job

    def ack(self, job_id: str) -> None:
        """Mark an in-flight job done."""
        with self._available:
            self._take(job_id)
            self._errors.pop(job_id, None)
            self._done += 1
            self._notify_if_drained()

    def fail(self, job_id: str, error: str) -> None:
        """Record a failure: retry at the back of the queue, or dead-letter after max_attempts."""
        with self._available:
            job = self._take(job_id)
            errors = self._errors.setdefault(job_id, [])
            errors.append(error)
            if job.attempt < self._max_attempts:
                self._queue.append(job)
                self._available.notify()
            else:
                del self._errors[job_id]
                self._dead.append(DeadLetter(job.id, job.payload, job.attempt, tuple(errors)))
                self._notify_if_drained()

    def dead_letters(self) -> list[DeadLetter]:
        """Jobs that exhausted their attempts, in the order they died."""
        with self._available:
            return list(self._dead)

    def stats(self) -> dict[str, int]:
        """Counts of queued, in-flight, done and dead jobs."""
        with self._available:
            return {
                "queued": len(self._queue),
                "in_flight": len(self._in_flight),
                "done": self._done,
                "dead": len(self._dead),
            }

    def close(self) -> None:
        """Refuse new jobs; wake consumers once the queue is empty."""
        with self._available:
            self._closed = True

    def join(self, timeout: float | None = None) -> bool:
        """Wait until nothing is queued or in flight; False on timeout."""
        with self._drained:
            return self._drained.wait_for(lambda: not self._queue and not self._in_flight, timeout)

    def _take(self, job_id: str) -> Job:
        try:
            return self._in_flight.pop(job_id)
        except KeyError:
            raise KeyError(f"job {job_id!r} is not in flight") from None

    def _notify_if_drained(self) -> None:
        if not self._queue and not self._in_flight:
            self._drained.notify_all()
