from datetime import timedelta

import pytest
from huey import RedisHuey, SqliteHuey

import sandbox
from assessor import jobs
from assessor.extensions import db
from assessor.models import AttemptStatus, ChallengeVersion, Submission, SubmissionStatus, utcnow
from assessor.services import catalog, submissions
from tests.factories import make_assessment, make_attempt
from tests.unit.services.conftest import FIXTURES


@pytest.fixture
def app_config(app_config):
    app_config["QUEUE_IMMEDIATE"] = True  # tasks run inline: no consumer needed
    return app_config


@pytest.fixture
def started(ctx):
    outcome = catalog.sync_folder(FIXTURES / "mini-adder", sandbox.FakeBackend(), "unused")
    version = db.session.get(ChallengeVersion, outcome.version_id)
    attempt = make_attempt(make_assessment(versions=[version]), status=AttemptStatus.STARTED)
    attempt.started_at = utcnow()
    attempt.deadline_at = utcnow() + timedelta(hours=1)
    db.session.commit()
    return attempt


@pytest.mark.parametrize(("tries", "seconds"), [(1, 5), (2, 10), (3, 20), (7, 300), (30, 300)])
def test_backoff_grows_and_is_capped(tries, seconds):
    assert jobs.backoff_seconds(tries) == seconds


def test_queue_url_picks_the_backend(tmp_path):
    assert isinstance(jobs.make_huey(f"sqlite:///{tmp_path}/q.db"), SqliteHuey)
    assert isinstance(jobs.make_huey("redis://127.0.0.1:6379/3"), RedisHuey)
    with pytest.raises(ValueError, match="QUEUE_URL"):
        jobs.make_huey("amqp://broker")


def test_a_queued_run_is_graded_through_the_queue(started):
    item = started.assessment.items[0]
    run = submissions.request_run(
        started.id, item.id, {"adder.py": "def add(a, b):\n    return a + b\n"}
    )
    db.session.expire_all()
    graded = db.session.get(Submission, run.id)
    assert graded.status is SubmissionStatus.GRADED
    assert graded.score == graded.max_score == 3.0


def test_infrastructure_error_is_rescheduled_with_backoff(started, app):
    queue = app.extensions["assessor.queue"]
    queue._backend = sandbox.FakeBackend(
        script=lambda job: sandbox.Result.infrastructure_error("engine down")
    )
    item = started.assessment.items[0]
    run = submissions.request_run(started.id, item.id, {"adder.py": "x = 1\n"})
    db.session.expire_all()
    waiting = db.session.get(Submission, run.id)
    assert waiting.status is SubmissionStatus.QUEUED and "engine down" in waiting.error
    scheduled = queue.huey.scheduled()
    assert [t.args for t in scheduled] == [(run.id,)]


def test_reaper_reenqueues_lost_work_and_finalizes_expired(started, app):
    queue = app.extensions["assessor.queue"]
    item = started.assessment.items[0]
    lost = Submission(
        attempt_id=started.id,
        item_id=item.id,
        kind="run",
        files={"adder.py": "def add(a, b):\n    return a + b\n"},
        enqueued_at=utcnow() - timedelta(hours=1),
    )
    db.session.add(lost)
    started.deadline_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    report = queue.reap()
    assert report["finalized"] == [started.id]
    assert lost.id in report["requeued"]
    db.session.expire_all()
    assert db.session.get(Submission, lost.id).status is SubmissionStatus.GRADED
    assert started.status is AttemptStatus.SUBMITTED


def test_enqueue_failure_loses_nothing(started, app, monkeypatch):
    queue = app.extensions["assessor.queue"]
    queue.huey  # noqa: B018 - build the tasks, then break the one that enqueues

    def broken(*args, **kwargs):
        raise ConnectionError("queue down")

    monkeypatch.setattr(queue, "_grade_task", broken)
    item = started.assessment.items[0]
    run = submissions.request_run(started.id, item.id, {"adder.py": "x = 1\n"})
    db.session.expire_all()
    assert db.session.get(Submission, run.id).status is SubmissionStatus.QUEUED
