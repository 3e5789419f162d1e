"""An in-process job queue: leases via get/ack/fail, bounded retries, dead letters."""

from dataclasses import dataclass
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
        raise NotImplementedError

    def put(self, job_id: str, payload: Any) -> None:
        """Append a new job; ids are unique for the queue's lifetime."""
        raise NotImplementedError

    def get(self, timeout: float | None = None) -> Job | None:
        """Deliver the oldest queued job, waiting up to timeout; None on timeout or once closed and empty."""
        raise NotImplementedError

    def ack(self, job_id: str) -> None:
        """Mark an in-flight job done."""
        raise NotImplementedError

    def fail(self, job_id: str, error: str) -> None:
        """Record a failure: retry at the back of the queue, or dead-letter after max_attempts."""
        raise NotImplementedError

    def dead_letters(self) -> list[DeadLetter]:
        """Jobs that exhausted their attempts, in the order they died."""
        raise NotImplementedError

    def stats(self) -> dict[str, int]:
        """Counts of queued, in-flight, done and dead jobs."""
        raise NotImplementedError

    def close(self) -> None:
        """Refuse new jobs; wake consumers once the queue is empty."""
        raise NotImplementedError

    def join(self, timeout: float | None = None) -> bool:
        """Wait until nothing is queued or in flight; False on timeout."""
        raise NotImplementedError
