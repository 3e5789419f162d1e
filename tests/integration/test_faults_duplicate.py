"""The same grade task delivered several times, to racing workers: graded once, one result set."""

from __future__ import annotations

import time

import pytest

from assessor import jobs
from assessor.models import SubmissionKind
from tests.integration.faults import PrivateRedis
from tests.integration.platform import FIXTURES, SOLUTION, WRONG, Platform, wait_until

pytestmark = [pytest.mark.docker, pytest.mark.slow]


@pytest.fixture(params=["sqlite", "redis"])
def platform(request, tmp_path):
    queue = f"sqlite:///{tmp_path / 'queue.sqlite3'}"
    server = None
    if request.param == "redis":
        server = PrivateRedis(tmp_path / "redis")
        server.start()
        queue = server.url(0)
    platform = Platform(tmp_path, f"sqlite:///{tmp_path / 'db.sqlite3'}", queue)
    yield platform
    platform.stop()
    if server is not None:
        server.stop()


def deliver(platform: Platform, submission_id: int, times: int) -> None:
    with platform.context():
        for _ in range(times):
            jobs.queue().grade_task(submission_id)


def test_a_task_delivered_many_times_to_racing_workers_is_graded_once(platform):
    version = platform.sync(FIXTURES / "mini-adder")
    # Queued before any worker runs, so every copy is waiting when the four threads start.
    good = platform.submit({"adder.py": SOLUTION}, version, SubmissionKind.FINAL)
    bad = platform.submit({"adder.py": WRONG}, version, SubmissionKind.FINAL)
    deliver(platform, good, 5)
    deliver(platform, bad, 5)
    platform.start_worker("--concurrency", "2")
    platform.start_worker("--concurrency", "2")
    wait_until(
        lambda: {platform.status(good), platform.status(bad)} == {"graded"}, 150, "both graded"
    )
    first = {sid: platform.submission(sid) for sid in (good, bad)}
    assert [r.tries for r in first.values()] == [1, 1], "one claim each"
    assert [len(r.results) for r in first.values()] == [5, 5], "one set of results each"
    assert [r.score for r in first.values()] == [8.0, 5.0]

    # A late copy, after the result is stored, changes nothing.
    deliver(platform, good, 2)
    time.sleep(3)  # time for a worker to take the copies (they are never asserted on timing)
    late = platform.submission(good)
    assert (late.tries, late.finished_at, late.graded_by) == (
        1,
        first[good].finished_at,
        first[good].graded_by,
    )
    assert [(t.test_id, t.outcome) for t in late.results] == [
        (t.test_id, t.outcome) for t in first[good].results
    ]
