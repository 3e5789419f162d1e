"""PostgreSQL drops a connection mid-transaction, or restarts: workers and the web recover.

Dropped connections: pg_terminate_backend on the shared server, in a database of the test's
own, aimed at a backend caught waiting on a row lock the test holds, so the drop lands inside
the worker's (or the web's) transaction every time. Restarts: a private cluster.
"""

from __future__ import annotations

import threading
import time

import pytest
import sqlalchemy as sa

from assessor import create_app, jobs
from assessor.extensions import db
from assessor.models import SubmissionKind
from tests.conftest import postgres_url
from tests.integration.faults import PrivatePostgres, open_in_test_client, seed_candidates
from tests.integration.platform import (
    FIXTURES,
    SOLUTION,
    Platform,
    copy_challenge,
    fresh_postgres_database,
    wait_until,
)

pytestmark = [pytest.mark.docker, pytest.mark.postgres, pytest.mark.slow]
SLOW = "import time\n\ntime.sleep(3)\n\n\ndef add(a, b):\n    return a + b\n"


def waiting_backend(admin: sa.Engine, database: str, statement: str = "%") -> int | None:
    """Return the pid of a backend of `database` waiting on a lock in a `statement` (LIKE)."""
    with admin.connect() as conn:
        return conn.scalar(
            sa.text(
                "SELECT pid FROM pg_stat_activity WHERE datname = :d"
                " AND wait_event_type = 'Lock' AND query LIKE :q"
            ),
            {"d": database, "q": statement},
        )


def locking(admin: sa.Engine) -> sa.Connection:
    """A connection whose row locks last until its rollback (the admin engine autocommits)."""
    return admin.connect().execution_options(isolation_level="READ COMMITTED")


def drop_the_waiting_backend(
    admin: sa.Engine, database: str, submission_id: int, statement: str = "%"
) -> None:
    """Lock a submission's row until a worker waits on it, then kill the worker's connection."""
    with locking(admin) as holder:
        holder.execute(
            sa.text("SELECT id FROM submissions WHERE id = :i FOR UPDATE"), {"i": submission_id}
        )
        pid = wait_until(
            lambda: waiting_backend(admin, database, statement), 60, f"a wait in {statement}"
        )
        with admin.connect() as killer:
            assert killer.scalar(sa.text("SELECT pg_terminate_backend(:p)"), {"p": pid})
        holder.rollback()


@pytest.fixture
def pg_platform(tmp_path):
    url, drop = fresh_postgres_database(postgres_url())
    platform = Platform(
        tmp_path,
        url,
        f"sqlite:///{tmp_path / 'queue.sqlite3'}",
        GRADING_REQUEUE_AFTER_S=3,
        GRADING_LEASE_MARGIN_S=5,
    )
    admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    yield platform, admin, sa.engine.make_url(url).database
    admin.dispose()
    platform.stop()
    drop()


def test_a_worker_connection_dropped_mid_transaction_loses_nothing(pg_platform, tmp_path):
    platform, admin, database = pg_platform
    folder = copy_challenge("mini-adder", tmp_path, timeout_s=60)  # slack for a loaded machine
    version = platform.sync(folder)
    early = platform.submit({"adder.py": SOLUTION}, version, SubmissionKind.FINAL)
    wait_until(lambda: platform.submission(early).enqueued_at, 10, "the row")
    time.sleep(3.5)  # past GRADING_REQUEUE_AFTER_S: the start-up reap will touch the row
    with platform.context():
        jobs.queue().huey.flush()  # only the reap can bring it back now
    worker = platform.start_worker("--concurrency", "1")
    # The worker's start-up reap waits on our lock; its connection dies inside the UPDATE.
    drop_the_waiting_backend(admin, database, early, "%enqueued_at%")
    wait_until(
        lambda: worker.poll() is not None or platform.status(early) == "graded",
        120,
        "grading after the drop",
    )
    assert worker.poll() is None, "the worker died of a dropped connection at start"
    row = platform.submission(early)
    assert (row.tries, len(row.results), row.score, row.error) == (1, 5, 8.0, None)

    busy = platform.submit({"adder.py": SLOW}, version, SubmissionKind.FINAL)
    wait_until(lambda: platform.status(busy) == "running", 60, "the only thread busy")
    claimed = platform.submit({"adder.py": SOLUTION}, version, SubmissionKind.FINAL)
    # The claim's conditional UPDATE waits on our lock; its connection dies inside it.
    drop_the_waiting_backend(admin, database, claimed, "%lease_owner%")
    wait_until(lambda: platform.status(claimed) == "graded", 120, "grading after the drop")
    row = platform.submission(claimed)
    assert (row.tries, len(row.results), row.score, row.error) == (1, 5, 8.0, None)

    stored = platform.submit({"adder.py": SLOW}, version, SubmissionKind.FINAL)
    wait_until(lambda: platform.status(stored) == "running", 60, "the slow one claimed")
    # The store's fenced UPDATE waits on our lock while the sandbox ran; its connection dies.
    drop_the_waiting_backend(admin, database, stored, "%outcome%")
    wait_until(lambda: platform.status(stored) == "graded", 120, "grading after the drop")
    row = platform.submission(stored)
    assert (len(row.results), row.score, row.error) == (5, 8.0, None)
    assert row.tries == 2, "run again once, after the store was lost with its connection"
    assert [platform.submission(busy).tries] == [1]


def test_a_web_connection_dropped_mid_save_answers_503_and_the_next_save_succeeds(pg_platform):
    platform, admin, database = pg_platform
    web = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": platform.env["DATABASE_URL"],
            "QUEUE_URL": platform.env["QUEUE_URL"],
            "INSTANCE_DIR": platform.env["ASSESSOR_INSTANCE"],
            "SECRET_KEY": platform.env["SECRET_KEY"],
        }
    )
    try:
        with web.app_context():
            (candidate,) = seed_candidates(1)
            db.session.remove()
        browser = web.test_client()
        prefix, headers = open_in_test_client(browser, candidate.token)
        url = f"{prefix}/api/items/{candidate.item_id}/draft"

        def save(revision: int, text: str):
            body = {"revision": revision, "files": {candidate.path: text}}
            return browser.post(url, json=body, headers=headers)

        assert save(0, "one = 1\n").status_code == 200
        # Every idle pooled connection killed: the next request must not notice (pre-ping).
        with admin.connect() as conn:
            conn.execute(
                sa.text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = :d AND pid <> pg_backend_pid()"
                ),
                {"d": database},
            )
        assert save(1, "two = 2\n").status_code == 200

        answers = []
        saver = threading.Thread(target=lambda: answers.append(save(2, "three = 3\n")))
        with locking(admin) as holder:
            holder.execute(
                sa.text("SELECT id FROM attempts WHERE id = :i FOR UPDATE"),
                {"i": candidate.attempt_id},
            )
            saver.start()
            pid = wait_until(lambda: waiting_backend(admin, database), 60, "the save to wait")
            with admin.connect() as killer:
                killer.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": pid})
            holder.rollback()
        saver.join(timeout=60)
        (dropped,) = answers
        assert dropped.status_code == 503, (dropped.status_code, dropped.text[:300])
        assert dropped.headers["Retry-After"] and "browser" in dropped.json["error"]
        again = save(2, "three = 3\n")  # the editor retries the same save: it was not stored
        assert again.status_code == 200 and again.json["revision"] == 3
        with web.app_context():
            candidate.acked = {1: "one = 1\n", 2: "two = 2\n", 3: "three = 3\n"}
            assert candidate.lost_saves() == []
    finally:
        with web.app_context():
            db.session.remove()
            db.engine.dispose()


def test_a_postgres_restart_loses_no_save_and_no_submission(tmp_path):
    server = PrivatePostgres()
    try:
        server.start()
        platform = Platform(
            tmp_path,
            server.url,
            f"sqlite:///{tmp_path / 'queue.sqlite3'}",
            GRADING_REQUEUE_AFTER_S=3,
            GRADING_LEASE_MARGIN_S=5,
        )
        try:
            version = platform.sync(FIXTURES / "mini-adder")
            with platform.context():
                (candidate,) = seed_candidates(1)
                db.session.remove()
            browser = platform.app.test_client()
            prefix, headers = open_in_test_client(browser, candidate.token)
            url = f"{prefix}/api/items/{candidate.item_id}/draft"
            body = {"revision": 0, "files": {candidate.path: "before = 1\n"}}
            assert browser.post(url, json=body, headers=headers).status_code == 200
            platform.start_worker("--concurrency", "2")
            batch = [
                platform.submit({"adder.py": SOLUTION}, version, SubmissionKind.FINAL)
                for _ in range(3)
            ]

            server.stop()
            body = {"revision": 1, "files": {candidate.path: "during = 2\n"}}
            down = browser.post(url, json=body, headers=headers)
            assert down.status_code == 503 and down.headers["Retry-After"], down.text[:300]
            server.start()

            body = {"revision": 1, "files": {candidate.path: "after = 2\n"}}
            back = browser.post(url, json=body, headers=headers)
            assert back.status_code == 200 and back.json["revision"] == 2, back.text[:300]
            wait_until(
                lambda: all(platform.status(s) == "graded" for s in batch),
                150,
                "the batch graded after the restart",
            )
            rows = [platform.submission(s) for s in batch]
            assert [(len(r.results), r.score, r.error) for r in rows] == [(5, 8.0, None)] * 3
            with platform.context():
                candidate.acked = {1: "before = 1\n", 2: "after = 2\n"}
                assert candidate.lost_saves() == []
        finally:
            platform.stop()
    finally:
        server.remove()
