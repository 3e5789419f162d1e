import pytest

from assessor.extensions import db
from assessor.models import (
    AttemptEvent,
    AttemptStatus,
    Role,
    Submission,
    SubmissionKind,
    TestResult,
)
from tests.factories import make_assessment, make_attempt, make_user, make_version

HOSTILE = 'x = "</pre><script>alert(1)</script>"\n'


@pytest.fixture
def report_attempt(ctx):
    owner = make_user(Role.INTERVIEWER)
    code = make_version(
        "code", files={"starter": {"solution.py": "def f():\n    return 0\n"}, "tests": {}}
    )
    design = make_version(
        "design",
        kind="design",
        manifest=[],
        files={"starter": {"answer.md": "# Answer\n"}, "tests": {}},
        meta={"editable": ["answer.md"]},
    )
    design.rubric = [{"id": "scale", "title": "Scaling", "points": 5, "guidance": "Shards."}]
    attempt = make_attempt(
        make_assessment(owner, versions=[code, design]), status=AttemptStatus.SUBMITTED
    )
    code_item, design_item = attempt.assessment.items
    graded = Submission(
        attempt_id=attempt.id,
        item_id=code_item.id,
        kind=SubmissionKind.FINAL,
        status="graded",
        outcome="completed",
        score=1.0,
        max_score=4.0,
        files={"solution.py": HOSTILE},
        skill_scores={"api-design": {"score": 1.0, "max": 1.0}, "sql": {"score": 0.0, "max": 3.0}},
        flags=[
            {
                "code": "patches_builtins",
                "message": "assigns to builtins",
                "path": "solution.py",
                "line": 1,
            }
        ],
    )
    graded.results += [
        TestResult(
            test_id="public/test_a.py::test_one",
            outcome="passed",
            points=1,
            max_points=1,
            visibility="public",
            skill="api-design",
            message="Traceback: a pass that still carries a warning",
        ),
        TestResult(
            test_id="hidden/test_b.py::test_two",
            outcome="failed",
            points=0,
            max_points=3,
            visibility="hidden",
            skill="sql",
            message="AssertionError: <img src=x onerror=alert(2)>",
        ),
    ]
    db.session.add_all(
        [
            graded,
            Submission(
                attempt_id=attempt.id,
                item_id=design_item.id,
                kind=SubmissionKind.FINAL,
                status="graded",
                outcome="manual_review",
                files={"answer.md": "# Plan\n\n<script>alert(3)</script>\n\n**shard** it"},
            ),
            AttemptEvent(attempt_id=attempt.id, kind="paste", data={"size": 1200}),
            AttemptEvent(attempt_id=attempt.id, kind="focus_lost", data={}),
        ]
    )
    db.session.commit()
    return owner, attempt


def test_report_shows_scores_tests_code_and_signals(client, auth, report_attempt):
    owner, attempt = report_attempt
    auth.login(owner.email)
    html = client.get(f"/attempts/{attempt.id}").get_data(as_text=True)
    assert "Score by skill" in html and "sql: 0/3" in html
    assert "hidden/test_b.py::test_two" in html
    assert "1 paste" in html and "1200 characters" in html
    assert "left the page 1 time" in html
    assert "patches_builtins" in html
    assert "Changes from the starter" in html and "starter/solution.py" in html
    assert "Scaling" in html and "<strong>shard</strong>" in html


def test_a_passed_test_still_shows_its_message(client, auth, report_attempt):
    owner, attempt = report_attempt
    auth.login(owner.email)
    html = client.get(f"/attempts/{attempt.id}").get_data(as_text=True)
    assert "passed, with a message" in html
    assert "a pass that still carries a warning" in html


def test_candidate_text_never_becomes_markup(client, auth, report_attempt):
    owner, attempt = report_attempt
    auth.login(owner.email)
    html = client.get(f"/attempts/{attempt.id}").get_data(as_text=True)
    for payload in (
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(2)>",
        "<script>alert(3)</script>",
    ):
        assert payload not in html
    assert "&lt;/pre&gt;&lt;script&gt;" in html


def test_report_is_hidden_from_other_interviewers(client, auth, report_attempt):
    _, attempt = report_attempt
    auth.login(make_user(Role.INTERVIEWER).email)
    assert client.get(f"/attempts/{attempt.id}").status_code == 404
