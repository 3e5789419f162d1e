"""The grading pipeline against real parts: Docker sandbox, SQLite or PostgreSQL, Redis."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import docker
import pytest
import redis

from assessor.models import SubmissionKind
from tests.conftest import postgres_url, redis_url
from tests.integration.platform import (
    FIXTURES,
    ROOT,
    SOLUTION,
    WRONG,
    Platform,
    copy_challenge,
    fresh_postgres_database,
    wait_until,
)

pytestmark = [pytest.mark.docker, pytest.mark.slow]


@pytest.fixture
def embedded(tmp_path):
    platform = Platform(
        tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}", f"sqlite:///{tmp_path / 'queue.sqlite3'}"
    )
    yield platform
    platform.stop()


def test_embedded_mode_grades_with_a_real_consumer_and_sandbox(embedded):
    version = embedded.sync(FIXTURES / "mini-adder")
    good = embedded.submit({"adder.py": SOLUTION}, version, kind=SubmissionKind.FINAL)
    bad = embedded.submit({"adder.py": WRONG}, version, kind=SubmissionKind.FINAL)
    embedded.start_worker("--concurrency", "2")
    for sid in (good, bad):
        wait_until(lambda sid=sid: embedded.status(sid) == "graded", 120, f"submission {sid}")
    good_row, bad_row = embedded.submission(good), embedded.submission(bad)
    assert (good_row.score, good_row.max_score) == (8.0, 8.0)
    assert (bad_row.score, bad_row.max_score) == (5.0, 8.0)
    assert good_row.outcome == "completed" and good_row.tries == 1
    assert len(good_row.results) == 5


@pytest.mark.postgres
@pytest.mark.redis
def test_distributed_mode_two_workers_grade_each_submission_exactly_once(tmp_path):
    database_url, drop = fresh_postgres_database(postgres_url())
    client = redis.Redis.from_url(redis_url())
    client.flushdb()
    platform = Platform(tmp_path, database_url, redis_url())
    try:
        version = platform.sync(FIXTURES / "mini-adder")
        batch = [
            platform.submit(
                {"adder.py": SOLUTION if i % 2 else WRONG}, version, kind=SubmissionKind.FINAL
            )
            for i in range(8)
        ]
        platform.start_worker("--concurrency", "2")
        platform.start_worker("--concurrency", "2")
        wait_until(
            lambda: all(platform.status(s) == "graded" for s in batch),
            240,
            "the whole batch to be graded",
        )
        rows = [platform.submission(s) for s in batch]
        # Exactly once: one claim each (tries == 1), one set of results each.
        assert [r.tries for r in rows] == [1] * 8
        assert all(len(r.results) == 5 for r in rows)
        assert [r.score for r in rows] == [5.0 if i % 2 == 0 else 8.0 for i in range(8)]
        pids = {r.graded_by.split(":")[1] for r in rows}
        assert pids == {str(w.pid) for w in platform.workers}, "both workers should have graded"
    finally:
        platform.stop()
        client.flushdb()
        drop()


def _sandbox_containers(client) -> list[dict]:
    # One listing call: the high-level list inspects each container afterwards, and one removed
    # in between (the sweep, a pool removal) would fail the test with NotFound.
    return client.api.containers(all=True, filters={"label": "org.assessor.sandbox"})


def test_worker_killed_mid_grade_is_graded_exactly_once_later(embedded, tmp_path):
    folder = copy_challenge("mini-adder", tmp_path, timeout_s=12, memory_mb=128)
    version = embedded.sync(folder)
    # Slow at import only: long enough to kill the worker mid-run, far inside the time limit.
    slow = "import time\n\ntime.sleep(3)\n\n\ndef add(a, b):\n    return a + b\n"
    sid = embedded.submit({"adder.py": slow}, version, kind=SubmissionKind.FINAL)
    first = embedded.start_worker("--concurrency", "1", GRADING_LEASE_MARGIN_S=1)
    wait_until(lambda: embedded.status(sid) == "running", 60, "the first worker to claim it")
    os.killpg(first.pid, signal.SIGKILL)  # no cleanup, no lease release: a power cut
    first.wait()
    row = embedded.submission(sid)
    assert row.status.value == "running" and row.lease_owner.split(":")[1] == str(first.pid)
    embedded.start_worker("--concurrency", "1", GRADING_LEASE_MARGIN_S=1)
    wait_until(lambda: embedded.status(sid) == "graded", 120, "the second worker to grade it")
    row = embedded.submission(sid)
    assert row.tries == 2 and row.score == 8.0, (row.outcome, row.error, row.stderr_tail)
    assert len(row.results) == 5
    assert row.graded_by.split(":")[1] == str(embedded.workers[1].pid)
    # The dead worker's container is gone: the sweep or its own deadline removed it.
    client = docker.from_env()
    try:
        wait_until(
            lambda: (
                not [c for c in _sandbox_containers(client) if str(first.pid) in str(c["Labels"])]
            ),
            60,
            "the dead worker's container to be removed",
        )
    finally:
        client.close()


def _docker_up() -> bool:
    return subprocess.run(["docker", "info"], capture_output=True).returncode == 0


def test_queued_work_waits_while_dockerd_is_down_then_completes(embedded):
    version = embedded.sync(FIXTURES / "mini-adder")
    subprocess.run(["pkill", "-TERM", "-x", "dockerd"], check=False)
    try:
        wait_until(lambda: not _docker_up(), 60, "dockerd to stop")
        sid = embedded.submit({"adder.py": SOLUTION}, version, kind=SubmissionKind.FINAL)
        embedded.start_worker("--concurrency", "1")
        waiting = wait_until(
            lambda: (row := embedded.submission(sid)).tries >= 1 and row.error and row,
            60,
            "the worker to try and report the engine down",
        )
        assert waiting.status.value == "queued"
        assert "waiting for the grading infrastructure" in waiting.error
        time.sleep(2)
        assert embedded.status(sid) == "queued"  # still waiting, nothing lost
    finally:
        subprocess.run([str(ROOT / "scripts" / "ensure-docker")], check=True)
    wait_until(lambda: embedded.status(sid) == "graded", 180, "grading once dockerd is back")
    row = embedded.submission(sid)
    assert row.score == 8.0 and row.error is None
