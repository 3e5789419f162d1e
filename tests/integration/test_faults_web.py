"""The web server restarts (SIGTERM, then SIGKILL) in the middle of an autosave burst.

gunicorn serves the app as the Dockerfile does. Candidates save back to back from threads; every
save the server acknowledged must be stored as sent, and the only failures allowed are the
connection errors of the outage itself (and a 409 for a save applied whose answer was lost).
"""

from __future__ import annotations

import signal
import threading
from collections import Counter

import pytest
import requests

from assessor import create_app
from assessor.extensions import db
from tests.conftest import postgres_url
from tests.integration.faults import (
    free_port,
    seed_candidates,
    start_gunicorn,
    stop_process,
    wait_for,
)
from tests.integration.platform import fresh_postgres_database, wait_until

pytestmark = [pytest.mark.slow]
CANDIDATES = 6


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'assessor.sqlite3'}"
        return
    url, drop = fresh_postgres_database(postgres_url())
    yield url
    drop()


def test_every_acknowledged_save_survives_a_web_restart_mid_burst(database_url, tmp_path):
    secret = "web-restart-" + "k" * 32
    settings = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "QUEUE_URL": f"sqlite:///{tmp_path / 'queue.sqlite3'}",
        "INSTANCE_DIR": str(tmp_path / "instance"),
        "SECRET_KEY": secret,
    }
    app = create_app(settings)
    with app.app_context():
        db.create_all()
        candidates = seed_candidates(CANDIDATES)
        db.session.remove()
    env = {
        "PATH": "/usr/bin:/bin",
        "ASSESSOR_ENV": "production",
        "SESSION_COOKIE_SECURE": "false",  # plain HTTP on loopback
        "DATABASE_URL": database_url,
        "QUEUE_URL": settings["QUEUE_URL"],
        "ASSESSOR_INSTANCE": settings["INSTANCE_DIR"],
        "SECRET_KEY": secret,
        # Saves back to back, far above a person's pace: the limits would only answer 429.
        "RATELIMIT_ENABLED": "false",
    }
    port, log = free_port(), tmp_path / "gunicorn.log"
    base = f"http://127.0.0.1:{port}"
    server = start_gunicorn(env, port, log)
    statuses: Counter = Counter()
    stop = threading.Event()

    def autosave(candidate) -> None:
        n = 0
        while not stop.is_set():
            n += 1
            try:
                statuses[candidate.save(base, f"# save {n}\n{'x' * 2000}\n").status_code] += 1
            except requests.RequestException:
                statuses["connection error"] += 1
                wait_for(0.1)

    try:
        for candidate in candidates:
            candidate.open(base)
        threads = [threading.Thread(target=autosave, args=(c,)) for c in candidates]
        for thread in threads:
            thread.start()
        for sig in (signal.SIGTERM, signal.SIGKILL):
            wait_until(lambda: statuses[200] >= 2 * CANDIDATES, 60, "saves to be acknowledged")
            stop_process(server, sig)
            server = start_gunicorn(env, port, log)
            statuses[200] = 0
        before = {c.attempt_id: c.revision for c in candidates}
        wait_until(
            lambda: all(c.revision > before[c.attempt_id] for c in candidates),
            60,
            "every candidate saving again after the restarts",
        )
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        stop_process(server)
    assert set(statuses) <= {200, 409, "connection error"}, (statuses, log.read_text()[-3000:])
    with app.app_context():
        lost = [line for c in candidates for line in c.lost_saves()]
        assert lost == []
        assert sum(len(c.acked) for c in candidates) > 6 * CANDIDATES
        db.session.remove()
        db.engine.dispose()
