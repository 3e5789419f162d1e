import json

import pytest

from assessor.extensions import db
from assessor.models import AssessmentShare, Role, Submission, SubmissionKind, TestResult
from tests.factories import make_assessment, make_attempt, make_user


@pytest.fixture
def graded(ctx):
    owner = make_user(Role.INTERVIEWER)
    attempt = make_attempt(make_assessment(owner))
    item = attempt.assessment.items[0]
    submission = Submission(
        attempt_id=attempt.id,
        item_id=item.id,
        kind=SubmissionKind.FINAL,
        status="graded",
        score=3.0,
        max_score=4.0,
        outcome="completed",
        skill_scores={"sql": {"score": 3.0, "max": 3.0}},
        flags=[{"code": "uses_gc", "message": "m", "path": "a.py", "line": 1}],
    )
    submission.results.append(
        TestResult(
            test_id="hidden/test_b.py::test_two",
            outcome="passed",
            points=3,
            max_points=3,
            visibility="hidden",
            skill="sql",
        )
    )
    db.session.add(submission)
    db.session.commit()
    return owner, attempt, submission


def test_api_requires_login_with_json_401(client, graded):
    _, attempt, _ = graded
    response = client.get(f"/api/attempts/{attempt.id}")
    assert response.status_code == 401 and response.json["error"]


def test_owner_sees_scores_flags_and_hidden_tests(client, auth, graded):
    owner, attempt, submission = graded
    auth.login(owner.email)
    data = client.get(f"/api/submissions/{submission.id}").json
    assert data["status"] == "graded" and data["score"] == 3.0
    assert data["tests"][0]["visibility"] == "hidden"
    assert data["flags"][0]["code"] == "uses_gc"
    whole = client.get(f"/api/attempts/{attempt.id}").json
    assert whole["grading_done"] is True
    assert whole["items"][0]["final"]["id"] == submission.id


def test_other_interviewer_gets_404_until_shared(client, auth, graded):
    _, attempt, submission = graded
    stranger = make_user(Role.INTERVIEWER)
    auth.login(stranger.email)
    assert client.get(f"/api/attempts/{attempt.id}").status_code == 404
    assert client.get(f"/api/submissions/{submission.id}").status_code == 404
    db.session.add(AssessmentShare(assessment_id=attempt.assessment_id, user_id=stranger.id))
    db.session.commit()
    assert client.get(f"/api/attempts/{attempt.id}").status_code == 200


def test_author_cannot_read_grading_state(client, auth, graded):
    _, attempt, _ = graded
    auth.login(make_user(Role.AUTHOR).email)
    assert client.get(f"/api/attempts/{attempt.id}").status_code == 403


def test_stream_sends_status_then_done(client, auth, graded):
    owner, attempt, _ = graded
    auth.login(owner.email)
    response = client.get(f"/api/attempts/{attempt.id}/stream")
    assert response.mimetype == "text/event-stream"
    body = response.get_data(as_text=True)
    events = [block for block in body.split("\n\n") if block.startswith("event:")]
    assert events[0].startswith("event: status")
    status = json.loads(events[0].split("data: ", 1)[1])
    assert status["id"] == attempt.id
    assert events[-1].startswith("event: done")
