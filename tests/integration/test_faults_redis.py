"""Redis restarts with jobs queued: the database, not the queue, brings the work back.

The Redis here runs as the shared one does, without persistence (--appendonly no): a restart
empties the queue. Nothing submitted may be lost, none graded twice, and while Redis is away a
candidate's saves and runs are still answered and stored.
"""

from __future__ import annotations

import pytest
import redis

from assessor.models import SubmissionKind
from tests.integration.faults import PrivateRedis
from tests.integration.platform import FIXTURES, SOLUTION, WRONG, Platform, wait_until

pytestmark = [pytest.mark.docker, pytest.mark.slow]


@pytest.fixture
def private_redis(tmp_path):
    server = PrivateRedis(tmp_path / "redis")
    server.start()
    yield server
    server.stop()


def graded_once(platform: Platform, ids: list[int], scores: list[float]) -> None:
    rows = [platform.submission(s) for s in ids]
    assert [r.status.value for r in rows] == ["graded"] * len(ids)
    assert [r.tries for r in rows] == [1] * len(ids), "claimed once each"
    assert [len(r.results) for r in rows] == [5] * len(ids), "one set of results each"
    assert [r.score for r in rows] == scores


def test_a_queue_emptied_by_a_redis_restart_is_refilled_from_the_database(tmp_path, private_redis):
    platform = Platform(
        tmp_path,
        f"sqlite:///{tmp_path / 'db.sqlite3'}",
        private_redis.url(0),
        GRADING_REQUEUE_AFTER_S=3,
    )
    try:
        version = platform.sync(FIXTURES / "mini-adder")
        batch = [
            platform.submit(
                {"adder.py": SOLUTION if n % 2 else WRONG}, version, SubmissionKind.FINAL
            )
            for n in range(3)
        ]
        client = redis.Redis.from_url(private_redis.url(0))
        assert client.dbsize() > 0, "the tasks wait in Redis"
        private_redis.stop()  # killed: no save, as a crash or an OOM kill leaves it
        private_redis.start()
        assert client.dbsize() == 0, "without persistence a restart empties the queue"
        assert {platform.status(s) for s in batch} == {"queued"}  # honest: not started yet
        platform.start_worker("--concurrency", "2")
        wait_until(
            lambda: all(platform.status(s) == "graded" for s in batch), 150, "the batch graded"
        )
        graded_once(platform, batch, [5.0, 8.0, 5.0])
        client.close()
    finally:
        platform.stop()
