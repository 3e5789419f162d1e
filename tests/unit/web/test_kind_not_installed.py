"""A stored version whose kind plugin is gone: every page still renders and says so."""

import pytest
from markupsafe import escape
from sqlalchemy import update

from assessor.extensions import db
from assessor.models import ChallengeVersion, Role, Submission, SubmissionStatus
from assessor.services import attempts, finalization, grading
from tests.factories import make_assessment, make_attempt, make_user, make_version

from .candidates import enter

TOKEN = "uninstalled-kind-token-" + "q" * 24
MISSING = "kind 'quiz' is not installed"
MISSING_HTML = str(escape(MISSING))  # as Jinja writes it


@pytest.fixture
def attempt(ctx):
    version = make_version(
        files={
            "starter": {"quiz.py": "ANSWER = None\n"},
            "tests": {"public/test_quiz.py": "def test_quiz(): pass\n"},
        },
        meta={"editable": ["quiz.py"]},
    )
    # As if written by a plugin this server no longer has: the model refuses unknown kinds,
    # so the row is changed behind its back.
    db.session.execute(
        update(ChallengeVersion).where(ChallengeVersion.id == version.id).values(kind="quiz")
    )
    db.session.commit()
    db.session.expire_all()
    owner = make_user(Role.INTERVIEWER)
    return make_attempt(make_assessment(owner, versions=[version]), token=TOKEN)


def test_the_candidate_can_still_read_write_and_submit(client, attempt):
    base = enter(client, TOKEN)
    landing = client.get(base)
    assert landing.status_code == 200 and MISSING_HTML in landing.get_data(as_text=True)
    attempts.start(attempt.id)
    page = client.get(f"{base}/work")
    assert page.status_code == 200 and MISSING_HTML in page.get_data(as_text=True)
    [item] = client.get(f"{base}/api/workspace").get_json()["items"]
    assert (item["label"], item["runnable"], item["editor"]) == (MISSING, False, "code")
    assert [f["path"] for f in item["files"]] == ["quiz.py"]  # no tests it cannot vouch for
    saved = client.post(
        f"{base}/api/items/{item['id']}/draft",
        json={"files": {"quiz.py": "ANSWER = 42\n"}, "revision": 0},
    )
    assert saved.status_code == 200
    run = client.post(f"{base}/api/items/{item['id']}/runs", json={"files": {}})
    assert run.status_code == 400 and MISSING in run.get_json()["error"]
    submitted = client.post(f"{base}/api/items/{item['id']}/submit").get_json()["final"]
    assert submitted["status"] == "queued"


def test_grading_fails_with_a_clear_reason_and_keeps_the_files(attempt):
    attempts.start(attempt.id)
    item = attempt.assessment.items[0]
    attempts.save_draft(attempt.id, item.id, {"quiz.py": "ANSWER = 42\n"}, base_revision=0)
    final = finalization.submit_item(attempt.id, item.id)
    assert grading.grade(final.id, backend=None, image="img") is SubmissionStatus.ERROR
    stored = db.session.get(Submission, final.id)
    assert stored.status is SubmissionStatus.ERROR
    assert stored.error == f"cannot build the grading job: {MISSING}"
    assert stored.files == {"quiz.py": "ANSWER = 42\n"}


def test_staff_pages_render_and_name_the_missing_kind(client, auth, attempt):
    attempts.start(attempt.id)
    item = attempt.assessment.items[0]
    final = finalization.submit_item(attempt.id, item.id)
    grading.grade(final.id, backend=None, image="img")
    finalization.finish_attempt(attempt.id)
    auth.login(attempt.assessment.owner.email)
    overview = client.get(f"/assessments/{attempt.assessment_id}")
    assert overview.status_code == 200 and MISSING_HTML in overview.get_data(as_text=True)
    report = client.get(f"/attempts/{attempt.id}")
    html = report.get_data(as_text=True)
    assert report.status_code == 200
    assert "The kind quiz is not installed" in html and MISSING_HTML in html
    assert "quiz.py" in html  # the files still show, diffed against the starter
    closing = client.get(f"{enter(client, TOKEN)}/done")
    assert closing.status_code == 200 and MISSING_HTML not in closing.get_data(as_text=True)
