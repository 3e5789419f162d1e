"""A final submission's run detail never reaches the candidate: only its state, in words."""

import pytest

from assessor.extensions import db
from assessor.models import Submission, SubmissionKind, SubmissionStatus, TestResult, utcnow
from assessor.services import attempts, finalization, status
from tests.factories import make_assessment, make_attempt, make_version

from .candidates import enter

TOKEN = "privacy-token-" + "p" * 30
# What a final run's detail, output and results may hold about the hidden suite.
LEAKS = (
    "[3 passed, 2 failed]",
    "exit code 137",
    "test_hidden_sentinel",
    "HIDDEN-STDOUT",
    "HIDDEN-STDERR",
    "AssertionError",
    "timed out",
    "crashed",
    "12.5",
)
DETAILS = {
    SubmissionStatus.QUEUED: "waiting for the grading infrastructure: exit code 137 "
    "[3 passed, 2 failed]",
    SubmissionStatus.RUNNING: "grading crashed, will retry: AssertionError('test_hidden_sentinel')",
    SubmissionStatus.GRADED: "timed out: the run exceeded 30 s; the test process was killed "
    "[3 passed, 2 failed] (exit code 137)",
    SubmissionStatus.ERROR: "grading crashed 8 times; last error: "
    "AssertionError('hidden/test_hidden.py::test_hidden_sentinel')",
}
NOTES = {
    SubmissionStatus.QUEUED: "received, waiting for the grading service",
    SubmissionStatus.RUNNING: "being graded",
    SubmissionStatus.GRADED: "graded",
    SubmissionStatus.ERROR: "received; your interviewer will review it",
}


@pytest.fixture
def attempt(ctx):
    version = make_version(
        files={
            "starter": {"adder.py": "def add(a, b):\n    pass\n"},
            "tests": {
                "public/test_public.py": "def test_public(): pass\n",
                "hidden/test_hidden.py": "def test_hidden_sentinel(): pass\n",
            },
        },
        meta={"editable": ["adder.py"]},
    )
    attempt = make_attempt(make_assessment(versions=[version]), token=TOKEN)
    attempts.start(attempt.id)
    return attempt


@pytest.fixture
def item(attempt):
    return attempt.assessment.items[0]


def leak_into(submission, state):
    """Give a submission everything a final run could say about the hidden tests."""
    submission.status = state
    submission.error = DETAILS[state]
    submission.outcome = "timed_out"
    submission.stdout_tail, submission.stderr_tail = "HIDDEN-STDOUT", "HIDDEN-STDERR"
    submission.run_seconds, submission.score, submission.max_score = 12.5, 3.0, 5.0
    submission.tries, submission.finished_at = 8, utcnow()
    submission.results = [
        TestResult(
            test_id="hidden/test_hidden.py::test_hidden_sentinel",
            outcome="failed",
            visibility="hidden",
            skill="sql",
            message="AssertionError: HIDDEN-STDOUT",
        )
    ]
    db.session.commit()


@pytest.mark.parametrize("state", list(SubmissionStatus))
def test_no_candidate_response_shows_a_final_runs_detail(client, attempt, item, state):
    base = enter(client, TOKEN)
    first = client.post(f"{base}/api/items/{item.id}/submit").get_json()
    final = db.session.get(Submission, first["final"]["id"])
    leak_into(final, state)
    responses = {
        "submit again": client.post(f"{base}/api/items/{item.id}/submit"),
        "status": client.get(f"{base}/api/status"),
        "final as a run": client.get(f"{base}/api/runs/{final.id}"),
    }
    finalization.finish_attempt(attempt.id)
    responses["closing page"] = client.get(f"{base}/done")
    responses["status after"] = client.get(f"{base}/api/status")
    assert responses.pop("final as a run").status_code == 404
    for name, response in responses.items():
        text = response.get_data(as_text=True)
        assert response.status_code == 200, name
        assert [leak for leak in LEAKS if leak in text] == [], name
        assert NOTES[state] in text, name
    shown = responses["status"].get_json()["items"][0]["final"]
    assert set(shown) == {
        "id",
        "item_id",
        "kind",
        "status",
        "done",
        "queue_position",
        "detail",
        "created_at",
    }


def test_a_queued_final_that_never_failed_says_it_waits_to_be_graded(attempt, item):
    final = finalization.submit_item(attempt.id, item.id)
    assert status.submission_status(final, for_candidate=True)["detail"] == (
        "received, waiting to be graded"
    )


def test_a_test_run_keeps_its_detail_for_the_candidate(client, attempt, item):
    run = Submission(
        attempt_id=attempt.id,
        item_id=item.id,
        kind=SubmissionKind.RUN,
        status=SubmissionStatus.GRADED,
        outcome="timed_out",
        error="timed out: the run exceeded 30 s [1 passed]",
        finished_at=utcnow(),
    )
    db.session.add(run)
    db.session.commit()
    data = client.get(f"{enter(client, TOKEN)}/api/runs/{run.id}").get_json()
    assert data["detail"] == "timed out: the run exceeded 30 s [1 passed]"
    assert data["outcome"] == "timed_out"


def test_staff_still_read_the_final_runs_detail(attempt, item):
    final = finalization.submit_item(attempt.id, item.id)
    leak_into(final, SubmissionStatus.GRADED)
    data = status.submission_status(final, for_candidate=False)
    assert data["detail"] == DETAILS[SubmissionStatus.GRADED]
    assert data["stdout_tail"] == "HIDDEN-STDOUT" and data["tests"][0]["message"]
