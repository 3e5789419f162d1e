"""The staff status stream is bounded: short streams the browser reconnects, a cap per process."""

import json
import threading

import pytest
from sqlalchemy import select

from assessor import changes
from assessor.extensions import db
from assessor.models import Submission, SubmissionKind
from assessor.web import api, waits
from tests.factories import make_assessment, make_attempt, make_user


@pytest.fixture
def app_config(app_config):
    app_config["LONG_POLL_MAX"] = 1
    app_config["LONG_POLL_SECONDS"] = 1
    return app_config


@pytest.fixture
def pending(ctx, client, auth):
    """An attempt whose final submission waits to be graded; its owner signed in."""
    owner = make_user()
    attempt = make_attempt(make_assessment(owner))
    item = attempt.assessment.items[0]
    db.session.add(Submission(attempt_id=attempt.id, item_id=item.id, kind=SubmissionKind.FINAL))
    db.session.commit()
    auth.login(owner.email)
    return attempt


def blocks(body: str) -> list[str]:
    return [block for block in body.split("\n\n") if block]


def test_a_stream_ends_after_the_bound_and_asks_to_be_reconnected(client, pending):
    with client.get(f"/api/attempts/{pending.id}/stream") as response:
        parts = blocks(response.get_data(as_text=True))
    assert parts[0] == f"retry: {api.STREAM_RETRY_MS}"
    statuses = [p for p in parts if p.startswith("event: status")]
    assert len(statuses) == 1  # nothing changed: sent once, then kept alive
    assert json.loads(statuses[0].split("data: ", 1)[1])["grading_done"] is False
    assert not any(p.startswith("event: done") for p in parts)


def test_a_stream_sends_a_change_it_hears_of(app, client, pending, monkeypatch):
    monkeypatch.setattr(api.run_watch, "CHECK_S", 60)  # only a notice brings a second read
    app.config["LONG_POLL_SECONDS"] = 20
    final_id = db.session.scalar(select(Submission.id))
    looked = threading.Event()
    read = api.fresh_attempt_status

    def first_read(attempt_id):
        data = read(attempt_id)
        looked.set()  # graded only after the stream has sent "not done"
        return data

    monkeypatch.setattr(api, "fresh_attempt_status", first_read)

    def grade():
        assert looked.wait(10)
        with app.app_context():
            row = db.session.get(Submission, final_id)
            row.status, row.score, row.max_score = "graded", 1.0, 1.0
            db.session.commit()
            changes.feed().publish(final_id)

    worker = threading.Thread(target=grade)
    worker.start()
    with client.get(f"/api/attempts/{pending.id}/stream") as response:
        parts = blocks(response.get_data(as_text=True))
    worker.join()
    statuses = [json.loads(p.split("data: ", 1)[1]) for p in parts if p.startswith("event: s")]
    assert [s["grading_done"] for s in statuses] == [False, True]
    assert parts[-1].startswith("event: done")


def test_past_the_cap_a_stream_sends_the_state_once_and_asks_to_come_back_later(
    app, client, pending
):
    places = waits.held()
    assert places.take()  # the process's only place, held by another stream
    try:
        with client.get(f"/api/attempts/{pending.id}/stream") as response:
            parts = blocks(response.get_data(as_text=True))
    finally:
        places.give_back()
    assert parts[0] == f"retry: {api.BUSY_RETRY_MS}"
    assert [p.split("\n", 1)[0] for p in parts[1:]] == ["event: status"]


def test_a_finished_stream_gives_its_place_back(client, pending):
    for _ in range(2):  # the second would be refused a place if the first kept it
        with client.get(f"/api/attempts/{pending.id}/stream") as response:
            assert blocks(response.get_data(as_text=True))[0] == f"retry: {api.STREAM_RETRY_MS}"
    assert waits.held().take()
