"""The queue (Huey) and its tasks: grade, finalize expired attempts, reap stuck work.

Huey has no acks-late, so the database is the source of truth: a submission row carries its
status and lease, and the periodic reaper re-enqueues whatever a lost task left behind. The
queue only carries hints ("look at submission 42"); losing one never loses work.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from functools import cached_property
from pathlib import Path
from urllib.parse import urlparse

from flask import Flask, current_app
from huey import Huey, RedisHuey

import sandbox
from assessor import changes
from assessor.challenges.runs import sandbox_limits
from assessor.queue_storage import DoorbellSqliteHuey
from assessor.services import finalization, grading, library_sync
from assessor.services.deadlines import NETWORK_GRACE
from assessor.services.signals import attempt_started, library_sync_requested, submission_queued

log = logging.getLogger(__name__)

MAX_BACKOFF_S = 300
# How long an idle consumer thread waits for a task before looking again. A queued task wakes
# it at once (a blocking pop on Redis, a doorbell on SQLite); the timeout only bounds how late
# a stop request or a missed wake-up is noticed.
READ_TIMEOUT_S = 1


def backoff_seconds(tries: int) -> int:
    """Wait 5 s, 10 s, 20 s ... up to 5 minutes between infrastructure retries."""
    return min(MAX_BACKOFF_S, 5 * 2 ** max(tries - 1, 0))


def make_huey(url: str, *, name: str = "assessor", immediate: bool = False) -> Huey:
    """Build the Huey instance for a QUEUE_URL: sqlite:///path or redis://host:port/db.

    Either way a consumer waits for tasks rather than polling for them.
    """
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        path = url.removeprefix("sqlite:///")
        return DoorbellSqliteHuey(
            name=name, filename=str(Path(path)), immediate=immediate, read_timeout=READ_TIMEOUT_S
        )
    if parsed.scheme in ("redis", "rediss"):
        return RedisHuey(
            name=name, url=url, immediate=immediate, blocking=True, read_timeout=READ_TIMEOUT_S
        )
    raise ValueError(f"QUEUE_URL must be sqlite:///path or redis://..., got {url!r}")


class GradingQueue:
    """The app's queue and its tasks, built on first use from the app's config."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._backend: sandbox.Backend | None = None

    @cached_property
    def huey(self) -> Huey:
        config = self.app.config
        huey = make_huey(config["QUEUE_URL"], immediate=config["QUEUE_IMMEDIATE"])
        self._register(huey)
        return huey

    @property
    def backend(self) -> sandbox.Backend:
        if self._backend is None:
            options = {}
            if self.app.config["SANDBOX_BACKEND"] == "docker":
                options["image"] = self.app.config["SANDBOX_IMAGE"]
                options["pool_size"] = self.app.config["SANDBOX_POOL_SIZE"]
                options["pool_idle_s"] = self.app.config["SANDBOX_POOL_IDLE_S"]
                # Pairs for the platform's default limits start warming with the worker.
                options["warm"] = (sandbox_limits({}),)
            self._backend = sandbox.get_backend(self.app.config["SANDBOX_BACKEND"], **options)
        return self._backend

    def _register(self, huey: Huey) -> None:
        @huey.task(name="grade")
        def grade(submission_id: int) -> str | None:
            with self.app.app_context():
                try:
                    status = grading.grade(
                        submission_id,
                        self.backend,
                        self.app.config["SANDBOX_IMAGE"],
                        lease_margin_s=self.app.config["GRADING_LEASE_MARGIN_S"],
                    )
                except grading.GradingRetry as retry:
                    delay = backoff_seconds(retry.tries)
                    log.warning("%s; retrying in %s s", retry, delay)
                    self.enqueue_grade(submission_id, delay=delay)
                    return "retry"
                finally:
                    # Whatever happened, a browser waiting on it reads the row again now.
                    changes.feed().publish(submission_id)
                return status.value if status else None

        @huey.task(name="finalize")
        def finalize(attempt_id: int) -> bool:
            with self.app.app_context():
                return finalization.finalize_if_due(attempt_id)

        @huey.task(name="sync_library")
        def sync_library(run_id: int) -> None:
            with self.app.app_context():
                try:
                    library_sync.execute(
                        run_id,
                        self.app.config["CHALLENGES_DIR"],
                        self.backend,
                        self.app.config["SANDBOX_IMAGE"],
                    )
                except Exception:  # recorded on the run as failed; the worker carries on
                    log.exception("library sync #%s failed", run_id)

        self._grade_task, self._finalize_task = grade, finalize
        self._sync_task = sync_library

    @property
    def grade_task(self):
        """The `grade` task (building the queue on first use)."""
        _ = self.huey
        return self._grade_task

    @property
    def finalize_task(self):
        """The `finalize` task (building the queue on first use)."""
        _ = self.huey
        return self._finalize_task

    def reap(self) -> dict:
        """Finish expired attempts and re-enqueue work whose lease or queue entry was lost."""
        finished = finalization.sweep_expired()
        stale_after = timedelta(seconds=self.app.config["GRADING_REQUEUE_AFTER_S"])
        requeued = grading.due_for_requeue(stale_after=stale_after)
        for submission_id in requeued:
            self.enqueue_grade(submission_id)
        if finished or requeued:
            log.info("reaper: finalized %s, re-enqueued %s", finished, requeued)
        return {"finalized": finished, "requeued": requeued}

    def reap_forever(self, stop: threading.Event) -> None:
        """Reap every REAPER_INTERVAL_S until `stop` is set (runs in a worker thread)."""
        interval = self.app.config["REAPER_INTERVAL_S"]
        while not stop.wait(interval):
            try:
                with self.app.app_context():
                    self.reap()
            except Exception:  # a database hiccup must not kill the reaper for good
                log.exception("reaper pass failed; trying again in %s s", interval)

    def enqueue_grade(self, submission_id: int, *, delay: int | None = None) -> None:
        """Hand a submission to the workers; a failure is logged and left to the reaper."""
        try:
            if delay:
                self.grade_task.schedule(args=(submission_id,), delay=delay)
            else:
                self.grade_task(submission_id)
        except Exception:
            log.exception("could not enqueue submission %s; the reaper will retry", submission_id)

    def enqueue_sync(self, run_id: int) -> None:
        """Hand a library sync to a worker; a lost one shows as stalled on its page."""
        try:
            _ = self.huey
            self._sync_task(run_id)
        except Exception:
            log.exception("could not enqueue library sync #%s", run_id)

    def schedule_finalize(self, attempt_id: int, deadline: datetime) -> None:
        """Finalize the attempt just after its deadline, even with no browser open."""
        try:
            eta = deadline + NETWORK_GRACE + timedelta(seconds=1)
            self.finalize_task.schedule(args=(attempt_id,), eta=eta)
        except Exception:
            log.exception(
                "could not schedule finalization of attempt %s; the sweep will do it", attempt_id
            )


def queue() -> GradingQueue:
    """Return the current app's queue."""
    return current_app.extensions["assessor.queue"]


def _on_submission_queued(submission_id: int, **_: object) -> None:
    queue().enqueue_grade(submission_id)


def _on_attempt_started(attempt_id: int, *, deadline: datetime, **_: object) -> None:
    queue().schedule_finalize(attempt_id, deadline)


def _on_library_sync_requested(run_id: int, **_: object) -> None:
    queue().enqueue_sync(run_id)


def init_app(app: Flask) -> None:
    """Attach a queue to the app and route the domain's signals to it."""
    app.extensions["assessor.queue"] = GradingQueue(app)
    # Module-level receivers are connected once, whatever the number of apps (tests make many).
    submission_queued.connect(_on_submission_queued, weak=False)
    attempt_started.connect(_on_attempt_started, weak=False)
    library_sync_requested.connect(_on_library_sync_requested, weak=False)
