from datetime import timedelta

import pytest
from sqlalchemy import event, select, update
from sqlalchemy.exc import OperationalError

import sandbox
from assessor.extensions import db
from assessor.models import (
    AttemptStatus,
    Submission,
    SubmissionKind,
    SubmissionStatus,
    TestResult,
    utcnow,
)
from assessor.services import grading
from tests.factories import make_assessment, make_attempt

SOLUTION = "def add(a, b):\n    return a + b\n"
WRONG = "def add(a, b):\n    return a + b + (1 if a < 0 else 0)\n"


@pytest.fixture
def attempt(adder_version):
    attempt = make_attempt(make_assessment(versions=[adder_version]), status=AttemptStatus.STARTED)
    attempt.started_at = utcnow()
    attempt.deadline_at = utcnow() + timedelta(hours=1)
    db.session.commit()
    return attempt


def submit(attempt, files, kind=SubmissionKind.FINAL):
    submission = Submission(
        attempt_id=attempt.id, item_id=attempt.assessment.items[0].id, kind=kind, files=files
    )
    db.session.add(submission)
    db.session.commit()
    return submission.id


def test_final_grading_scores_from_manifest(attempt, fake_backend):
    sid = submit(attempt, {"adder.py": WRONG})
    assert grading.grade(sid, fake_backend, "img") is SubmissionStatus.GRADED
    submission = db.session.get(Submission, sid)
    assert submission.status is SubmissionStatus.GRADED
    assert (submission.score, submission.max_score) == (5.0, 8.0)
    assert submission.skill_scores == {
        "api-design": {"score": 5.0, "max": 5.0},
        "sql": {"score": 0.0, "max": 3.0},
    }
    failed = [r.test_id for r in submission.results if r.outcome != "passed"]
    assert failed == ["hidden/test_adder_hidden.py::test_adds_negative_numbers"]
    assert submission.lease_owner is None and submission.tries == 1


def test_run_kind_only_runs_public_tests_and_never_sees_hidden(attempt):
    seen = {}

    def spy(job):
        seen["tests"] = set(job.tests)
        return sandbox.FakeBackend().run(job)

    sid = submit(attempt, {"adder.py": SOLUTION}, kind=SubmissionKind.RUN)
    grading.grade(sid, sandbox.FakeBackend(script=spy), "img")
    assert seen["tests"] == {"public/test_adder_public.py"}
    submission = db.session.get(Submission, sid)
    assert {r.visibility for r in submission.results} == {"public"}
    assert submission.score == submission.max_score == 3.0


def test_read_only_starter_files_cannot_be_replaced(attempt, fake_backend):
    # helpers.py is not editable: a submitted copy is ignored, the starter's is used.
    sid = submit(
        attempt,
        {
            "adder.py": "from helpers import OFFSET\n\ndef add(a, b):\n    return a + b + OFFSET\n",
            "helpers.py": "OFFSET = 1\n",
        },
    )
    grading.grade(sid, fake_backend, "img")
    assert db.session.get(Submission, sid).score == 8.0


def test_graded_submission_is_left_alone(attempt, fake_backend):
    sid = submit(attempt, {"adder.py": SOLUTION})
    grading.grade(sid, fake_backend, "img")
    calls = []
    again = grading.grade(sid, sandbox.FakeBackend(script=lambda job: calls.append(job)), "img")
    assert again is None and calls == []
    assert db.session.scalar(select(db.func.count(TestResult.id))) == 5


def test_live_lease_is_not_stolen(attempt, fake_backend):
    sid = submit(attempt, {"adder.py": SOLUTION})
    first = grading.claim(sid, "img", owner="worker-a")
    assert first is not None
    assert grading.claim(sid, "img", owner="worker-b") is None


def test_expired_lease_is_taken_over_and_the_late_result_dropped(attempt, fake_backend):
    sid = submit(attempt, {"adder.py": WRONG})
    slow = grading.claim(sid, "img", owner="worker-a")
    db.session.execute(
        update(Submission)
        .where(Submission.id == sid)
        .values(lease_expires_at=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()
    fast = grading.claim(sid, "img", owner="worker-b")
    assert fast is not None and fast.tries == 2
    assert grading.run_and_store(fast, fake_backend) is SubmissionStatus.GRADED
    # The first worker finally finishes: its result must not overwrite or duplicate.
    perfect = sandbox.FakeBackend()
    assert grading.run_and_store(slow, perfect) is None
    submission = db.session.get(Submission, sid)
    assert submission.score == 5.0
    assert db.session.scalar(select(db.func.count(TestResult.id))) == 5


def test_infrastructure_error_requeues_with_reason(attempt):
    down = sandbox.FakeBackend(
        script=lambda job: sandbox.Result.infrastructure_error("Docker engine unreachable")
    )
    sid = submit(attempt, {"adder.py": SOLUTION})
    with pytest.raises(grading.GradingRetry) as info:
        grading.grade(sid, down, "img")
    assert info.value.tries == 1
    submission = db.session.get(Submission, sid)
    assert submission.status is SubmissionStatus.QUEUED
    assert "Docker engine unreachable" in submission.error
    assert submission.lease_owner is None
    # Once the engine is back, the same submission is graded normally.
    assert grading.grade(sid, sandbox.FakeBackend(), "img") is SubmissionStatus.GRADED
    submission = db.session.get(Submission, sid)
    assert submission.score == 8.0 and submission.error is None and submission.tries == 2


def test_timeout_is_a_result_not_an_error(attempt, fake_backend):
    sid = submit(attempt, {"adder.py": "import time\n\ndef add(a, b):\n    time.sleep(60)\n"})
    version = attempt.assessment.items[0].version
    version.meta = {**version.meta, "limits": {**version.meta["limits"], "timeout_s": 2}}
    db.session.commit()
    assert grading.grade(sid, fake_backend, "img") is SubmissionStatus.GRADED
    submission = db.session.get(Submission, sid)
    assert submission.outcome == "timed_out" and submission.score == 0
    assert submission.results and all(r.outcome != "passed" for r in submission.results)


def test_reaper_finds_lapsed_leases_and_forgotten_rows(attempt):
    fresh = submit(attempt, {"adder.py": SOLUTION})
    db.session.execute(
        update(Submission).where(Submission.id == fresh).values(enqueued_at=utcnow())
    )
    forgotten = submit(attempt, {"adder.py": SOLUTION}, kind=SubmissionKind.RUN)
    db.session.execute(
        update(Submission)
        .where(Submission.id == forgotten)
        .values(enqueued_at=utcnow() - timedelta(minutes=10))
    )
    db.session.commit()
    assert grading.due_for_requeue() == [forgotten]
    assert grading.due_for_requeue() == []  # just re-enqueued: not again right away
    claim = grading.claim(fresh, "img", owner="dead-worker")
    assert claim is not None
    later = utcnow() + timedelta(hours=1)
    assert fresh in grading.due_for_requeue(later)


def test_flags_from_static_scan_are_stored_on_final(attempt, fake_backend):
    code = "import gc\n\ndef add(a, b):\n    gc.collect()\n    return a + b\n"
    sid = submit(attempt, {"adder.py": code})
    grading.grade(sid, fake_backend, "img")
    flags = db.session.get(Submission, sid).flags
    assert any(f["path"] == "adder.py" for f in flags)


def test_a_crashing_grader_retries_then_gives_up_with_files_kept(attempt):
    def explode(job):
        raise RuntimeError("bug in the grader")

    broken = sandbox.FakeBackend(script=explode)
    sid = submit(attempt, {"adder.py": SOLUTION})
    with pytest.raises(grading.GradingRetry):
        grading.grade(sid, broken, "img")
    row = db.session.get(Submission, sid)
    assert row.status is SubmissionStatus.QUEUED and "bug in the grader" in row.error
    for _ in range(grading.MAX_TRIES - 2):
        with pytest.raises(grading.GradingRetry):
            grading.grade(sid, broken, "img")
    assert grading.grade(sid, broken, "img") is SubmissionStatus.ERROR
    db.session.expire_all()
    row = db.session.get(Submission, sid)
    assert (
        row.status is SubmissionStatus.ERROR and f"crashed {grading.MAX_TRIES} times" in row.error
    )
    assert row.files == {"adder.py": SOLUTION}


def test_a_database_dropped_mid_grade_is_retried_without_limit_never_failed(attempt):
    def drop(job):
        raise OperationalError("UPDATE submissions", {}, Exception("server closed the connection"))

    dropping = sandbox.FakeBackend(script=drop)
    sid = submit(attempt, {"adder.py": SOLUTION})
    for _ in range(grading.MAX_TRIES + 1):
        with pytest.raises(grading.GradingRetry):
            grading.grade(sid, dropping, "img")
    db.session.expire_all()
    row = db.session.get(Submission, sid)
    assert row.status is SubmissionStatus.QUEUED and "waiting for the database" in row.error


def test_static_scan_judges_only_the_candidates_files(attempt, fake_backend):
    version = attempt.assessment.items[0].version
    starter = dict(version.files["starter"])
    starter["helpers.py"] = "import gc\n\nOFFSET = 0\n"  # trusted, read-only support code
    version.files = {**version.files, "starter": starter}
    db.session.commit()
    sid = submit(attempt, {"adder.py": SOLUTION})
    grading.grade(sid, fake_backend, "img")
    assert db.session.get(Submission, sid).flags == []


def test_the_candidates_own_output_is_kept_after_the_test_runs(attempt, fake_backend):
    printing = "def add(a, b):\n    print('adding', a, b)\n    return a + b\n"
    sid = submit(attempt, {"adder.py": printing}, kind=SubmissionKind.RUN)
    assert grading.grade(sid, fake_backend, "img") is SubmissionStatus.GRADED
    output = db.session.get(Submission, sid).stdout_tail
    runner, _, candidate = output.partition(grading.CANDIDATE_OUTPUT_HEADER)
    assert "2 passed" in runner and "adding 2 3" in candidate and "adding" not in runner


def test_grading_takes_two_transactions_and_one_insert_for_the_results(attempt, fake_backend):
    """The claim commits before the run; results, score and status commit together after it."""
    sid = submit(attempt, {"adder.py": WRONG})
    db.session.remove()
    seen = []

    def statement(conn, cursor, sql, params, context, executemany):
        seen.append(sql.split()[0].upper())

    listeners = {"before_cursor_execute": statement, "commit": lambda conn: seen.append("COMMIT")}
    for name, fn in listeners.items():
        event.listen(db.engine, name, fn)
    try:
        assert grading.grade(sid, fake_backend, "img") is SubmissionStatus.GRADED
    finally:
        for name, fn in listeners.items():
            event.remove(db.engine, name, fn)
    assert seen == ["SELECT", "UPDATE", "COMMIT", "UPDATE", "DELETE", "INSERT", "COMMIT"]
    assert len(db.session.get(Submission, sid).results) == 5
