"""A run's status as a long-poll: answered when the worker announces a change, bounded, capped.

No test here reads a clock: what shows that a notice ended a wait is the subscription saying it
heard one, with the regular looks at the database pushed out of reach.
"""

import threading

import pytest
from sqlalchemy import update

from assessor import changes
from assessor.extensions import db
from assessor.models import AttemptStatus, Submission, SubmissionStatus, utcnow
from assessor.services import attempts, run_watch
from assessor.web import waits
from tests.factories import make_assessment, make_attempt, make_version

from .candidates import enter

TOKEN = "long-poll-token-" + "p" * 30


@pytest.fixture
def app_config(app_config):
    app_config["LONG_POLL_MAX"] = 1
    return app_config


@pytest.fixture
def run_id(ctx, client):
    version = make_version(
        files={
            "starter": {"adder.py": "x = 0\n"},
            "tests": {"public/test_a.py": "def test(): 0\n"},
        },
        meta={"editable": ["adder.py"]},
    )
    attempt = make_attempt(make_assessment(versions=[version]), token=TOKEN)
    attempts.start(attempt.id)
    assert attempt.status is AttemptStatus.STARTED
    run = attempts.run_tests(attempt.id, attempt.assessment.items[0].id, {"adder.py": "x = 1\n"})
    enter(client, TOKEN)
    return run.id  # queued: no worker runs in unit tests


@pytest.fixture
def heard(monkeypatch):
    """Record what each subscription's waits returned (True: a notice arrived)."""
    outcomes: list[bool] = []
    subscribe = changes.DoorbellFeed.subscribe

    def recording(feed, submission_id):
        subscription = subscribe(feed, submission_id)
        wait = subscription.wait

        def waiting(timeout):
            outcome = wait(timeout)
            outcomes.append(outcome)
            return outcome

        subscription.wait = waiting
        return subscription

    monkeypatch.setattr(changes.DoorbellFeed, "subscribe", recording)
    return outcomes


def status_url(run_id, query=""):
    attempt_id = db.session.get(Submission, run_id).attempt_id
    return f"/c/{attempt_id}/api/runs/{run_id}{query}"


def grade_in_the_background(app, run_id, after: threading.Event) -> threading.Thread:
    """Once `after` is set, mark the run graded and announce it, as the worker does."""

    def work():
        assert after.wait(10)
        with app.app_context():
            db.session.execute(
                update(Submission)
                .where(Submission.id == run_id)
                .values(
                    status=SubmissionStatus.GRADED,
                    outcome="completed",
                    score=1.0,
                    max_score=1.0,
                    finished_at=utcnow(),
                )
            )
            db.session.commit()
            changes.feed().publish(run_id)

    thread = threading.Thread(target=work)
    thread.start()
    return thread


def test_a_waiting_request_answers_when_the_worker_announces_the_change(
    app, client, run_id, heard, monkeypatch
):
    monkeypatch.setattr(run_watch, "CHECK_S", 60)  # no regular look before the notice
    looked = threading.Event()
    read = run_watch.run_status

    def first_look(*args):
        data = read(*args)
        looked.set()  # the change is made only after the request has seen "queued"
        return data

    monkeypatch.setattr(run_watch, "run_status", first_look)
    worker = grade_in_the_background(app, run_id, looked)
    data = client.get(status_url(run_id, "?wait=20&since=queued")).get_json()
    worker.join()
    assert data["status"] == "graded" and data["done"] is True
    assert "retry_after" not in data
    assert heard == [True]


def test_a_wait_that_sees_no_change_answers_the_unchanged_state(client, run_id, heard):
    data = client.get(status_url(run_id, "?wait=0.3&since=queued")).get_json()
    assert data["status"] == "queued" and data["done"] is False
    assert "retry_after" not in data
    assert True not in heard


def test_a_state_other_than_the_one_known_is_answered_without_waiting(client, run_id, heard):
    data = client.get(status_url(run_id, "?wait=20&since=running")).get_json()
    assert data["status"] == "queued"
    assert heard == []


def test_past_the_cap_a_request_is_answered_at_once_with_when_to_ask_again(
    app, client, run_id, heard
):
    with app.app_context():
        places = waits.held()
        assert places.take()  # the process's only place, held by another request
        try:
            data = client.get(status_url(run_id, "?wait=20&since=queued")).get_json()
        finally:
            places.give_back()
    assert data["status"] == "queued" and data["retry_after"] == waits.RETRY_AFTER_S
    assert heard == []
    again = client.get(status_url(run_id, "?wait=0.1&since=queued")).get_json()
    assert "retry_after" not in again  # the place is free again


def test_the_wait_is_bounded_by_the_setting(app):
    with app.test_request_context("/?wait=9999"):
        assert waits.requested_wait() == app.config["LONG_POLL_SECONDS"]
    for asked in ("", "-3", "soon", "nan"):
        with app.test_request_context(f"/?wait={asked}"):
            assert waits.requested_wait() == 0


def test_another_candidates_run_is_not_found_while_waiting(client, ctx, run_id):
    other = make_attempt(make_assessment(), token="other-" + "o" * 30)
    attempts.start(other.id)
    base = enter(client, "other-" + "o" * 30)
    response = client.get(f"{base}/api/runs/{run_id}?wait=5&since=queued")
    assert response.status_code == 404
    with ctx.app_context():
        assert waits.held().take()  # the refused request gave its place back


def test_a_long_poll_without_notices_still_sees_the_change(app, client, run_id, monkeypatch):
    monkeypatch.setattr(changes.DoorbellFeed, "subscribe", lambda feed, _id: changes.Deaf())
    monkeypatch.setattr(run_watch, "DEAF_CHECK_S", 0.05)
    looked = threading.Event()
    read = run_watch.run_status

    def first_look(*args):
        data = read(*args)
        looked.set()
        return data

    monkeypatch.setattr(run_watch, "run_status", first_look)
    worker = grade_in_the_background(app, run_id, looked)
    data = client.get(status_url(run_id, "?wait=20&since=queued")).get_json()
    worker.join()
    assert data["status"] == "graded"
