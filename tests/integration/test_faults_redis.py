"""Redis restarts with jobs queued: the database, not the queue, brings the work back.

The Redis here runs as the shared one does, without persistence (--appendonly no): a restart
empties the queue. Nothing submitted may be lost, none graded twice, and while Redis is away a
candidate's saves and runs are still answered and stored.
"""

from __future__ import annotations

import pytest
import redis

from assessor import create_app
from assessor.extensions import db
from assessor.models import SubmissionKind
from tests.integration.faults import PrivateRedis, open_in_test_client, seed_candidates
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


def test_while_redis_is_down_saves_and_runs_are_answered_and_graded_once_it_is_back(
    tmp_path, private_redis
):
    database = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    platform = Platform(tmp_path, database, private_redis.url(0), GRADING_REQUEUE_AFTER_S=3)
    # The web as docker-compose.yml runs it: the queue and the rate limits both in Redis.
    web = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database,
            "QUEUE_URL": private_redis.url(0),
            "RATELIMIT_STORAGE_URI": private_redis.url(1),
            "INSTANCE_DIR": str(tmp_path / "instance"),
            "SECRET_KEY": platform.env["SECRET_KEY"],
        }
    )
    try:
        platform.sync(FIXTURES / "mini-adder")
        with web.app_context():
            (candidate,) = seed_candidates(1)
            db.session.remove()
        browser = web.test_client()
        prefix, headers = open_in_test_client(browser, candidate.token)
        api = f"{prefix}/api/items/{candidate.item_id}"
        platform.start_worker("--concurrency", "1")

        private_redis.stop()
        saved = browser.post(
            f"{api}/draft", json={"revision": 0, "files": {"adder.py": WRONG}}, headers=headers
        )
        assert saved.status_code == 200, saved.text  # the rate limiter's store is down, not us
        ran = browser.post(f"{api}/runs", json={"files": {"adder.py": SOLUTION}}, headers=headers)
        assert ran.status_code == 202, ran.text
        run_id = ran.json["id"]
        final = browser.post(f"{api}/submit", json={}, headers=headers)
        assert final.status_code == 200, final.text
        final_id = final.json["final"]["id"]
        for sid in (run_id, final_id):
            assert platform.status(sid) == "queued"  # honest: waiting, not failed

        private_redis.start()
        wait_until(
            lambda: {platform.status(run_id), platform.status(final_id)} == {"graded"},
            150,
            "the run and the final graded once Redis is back",
        )
        run, final_row = platform.submission(run_id), platform.submission(final_id)
        assert (run.tries, len(run.results), run.score) == (1, 2, 3.0)
        assert (final_row.tries, len(final_row.results), final_row.score) == (1, 5, 5.0)
        status = browser.get(f"{prefix}/api/runs/{run_id}")
        assert status.status_code == 200 and status.json["status"] == "graded"
    finally:
        with web.app_context():
            db.session.remove()
            db.engine.dispose()
        platform.stop()
