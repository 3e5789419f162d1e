import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from assessor.extensions import db
from assessor.models import (
    AttemptEvent,
    AttemptStatus,
    Draft,
    Submission,
    SubmissionKind,
    SubmissionStatus,
    utcnow,
)
from assessor.services import attempts
from tests.factories import make_assessment, make_attempt, make_version

from .candidates import enter

TOKEN = "candidate-token-" + "a" * 30
STATEMENT = (
    "# Add\n\nWrite `add`.\n\n<script>alert('statement')</script>\n\n[x](javascript:alert(1))\n"
)


@pytest.fixture
def attempt(ctx):
    code = make_version(
        files={
            "starter": {"adder.py": "def add(a, b):\n    pass\n", "helpers.py": "OFFSET = 0\n"},
            "tests": {"public/test_adder.py": "def test_add(): pass\n"},
        },
        meta={"editable": ["adder.py"]},
    )
    code.statement = STATEMENT
    design = make_version(
        kind="design",
        files={"starter": {"answer.md": "# Answer\n"}, "tests": {}},
        meta={"editable": ["answer.md"]},
        manifest=[],
    )
    db.session.commit()
    assessment = make_assessment(versions=[code, design], duration_minutes=30)
    assessment.description = "For the platform team."
    db.session.commit()
    return make_attempt(assessment, token=TOKEN)


@pytest.fixture
def started(attempt):
    attempts.start(attempt.id)
    return attempt


@pytest.fixture
def url(client, attempt):
    """Build this attempt's token-less URLs, once the client has opened the invitation link."""
    base = enter(client, TOKEN)
    return lambda path="": base + path


def items(attempt):
    return [i.id for i in attempt.assessment.items]


def test_landing_shows_duration_challenges_rules_and_what_is_recorded(client, attempt, url):
    attempt.extra_minutes = 10
    db.session.commit()
    page = client.get(url())
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert attempt.assessment.title in html and "For the platform team." in html
    assert re.search(r'id="duration">40 minutes', html)
    assert re.search(r'id="challenge-count">2<', html)
    assert "written answer" in html
    for line in attempts.RECORDED:
        assert line in html
    assert f'action="{url("/start")}"' in html and 'name="csrf_token"' in html
    assert page.headers["Cache-Control"] == "no-store"


def test_a_forged_token_gets_a_clear_page(client, attempt):
    page = client.get("/a/not-a-real-token")
    assert page.status_code == 404
    assert "This link does not work" in page.get_data(as_text=True)
    assert "whole link" in page.get_data(as_text=True)


def test_a_lapsed_invitation_gets_an_expiry_page_and_cannot_start(client, attempt, url):
    attempt.expires_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    page = client.get(url())
    assert page.status_code == 410
    assert "This invitation has expired" in page.get_data(as_text=True)
    assert 'id="start"' not in page.get_data(as_text=True)
    refused = client.post(url("/start"))
    assert refused.status_code == 410
    assert "expired" in refused.get_data(as_text=True)
    db.session.refresh(attempt)
    assert attempt.status is AttemptStatus.EXPIRED


def test_start_sets_the_deadline_and_opens_the_workspace(client, attempt, url):
    response = client.post(url("/start"))
    assert response.status_code == 303 and response.headers["Location"].endswith(url("/work"))
    db.session.refresh(attempt)
    assert attempt.status is AttemptStatus.STARTED
    assert attempt.deadline_at - attempt.started_at == timedelta(minutes=30)
    # The same link now resumes the attempt instead of showing the rules again.
    assert client.get(url()).headers["Location"].endswith(url("/work"))


def test_workspace_renders_sanitized_statements_and_the_editor_hooks(client, started, url):
    page = client.get(url("/work"))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<code>add</code>" in html
    # Raw HTML in a statement is shown as text, never run; javascript: never becomes a link.
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert 'href="javascript:' not in html
    assert f'data-workspace-url="{url("/api/workspace")}"' in html
    assert "dist/workspace.js" in html and 'name="csp-nonce"' in html


def test_workspace_before_start_goes_back_to_the_landing(client, attempt, url):
    assert client.get(url("/work")).headers["Location"].endswith(url())


def test_workspace_json_lists_files_with_editability(client, started, url):
    code, design = items(started)
    data = client.get(url("/api/workspace")).get_json()
    assert [i["id"] for i in data["items"]] == [code, design]
    files = {f["path"]: f["editable"] for f in data["items"][0]["files"]}
    assert files == {"adder.py": True, "helpers.py": False, "tests/public/test_adder.py": False}
    assert data["items"][1]["kind"] == "design" and data["items"][0]["revision"] == 0


def test_save_then_reload_finds_the_work(client, started, url):
    code, _ = items(started)
    saved = client.post(
        url(f"/api/items/{code}/draft"), json={"files": {"adder.py": "mine"}, "revision": 0}
    )
    assert saved.status_code == 200 and saved.get_json()["revision"] == 1
    data = client.get(url("/api/workspace")).get_json()
    first = data["items"][0]
    assert first["revision"] == 1
    assert next(f["text"] for f in first["files"] if f["path"] == "adder.py") == "mine"


def test_a_stale_save_gets_a_conflict_with_the_current_revision(client, started, url):
    code, _ = items(started)
    client.post(url(f"/api/items/{code}/draft"), json={"files": {"adder.py": "A"}, "revision": 0})
    stale = client.post(
        url(f"/api/items/{code}/draft"), json={"files": {"adder.py": "B"}, "revision": 0}
    )
    body = stale.get_json()
    assert stale.status_code == 409
    assert body["code"] == "DraftConflict" and body["current_revision"] == 1
    assert "another tab" in body["error"]
    assert db.session.scalar(select(Draft.files)) == {"adder.py": "A"}


@pytest.mark.parametrize("payload", [None, [1, 2], "text"])
def test_a_save_that_is_not_a_json_object_is_refused(client, started, payload, url):
    code, _ = items(started)
    response = client.post(url(f"/api/items/{code}/draft"), json=payload)
    assert response.status_code == 400
    assert "JSON object" in response.get_json()["error"]


def test_a_save_of_a_read_only_file_lists_the_problem(client, started, url):
    code, _ = items(started)
    response = client.post(
        url(f"/api/items/{code}/draft"), json={"files": {"helpers.py": "x"}, "revision": 0}
    )
    body = response.get_json()
    assert response.status_code == 400 and body["code"] == "DraftRejected"
    assert body["problems"] == ["'helpers.py' is not a file you can edit in this challenge"]


def test_run_then_poll_its_status(client, started, url):
    code, _ = items(started)
    queued = client.post(url(f"/api/items/{code}/runs"), json={"files": {"adder.py": "x = 1\n"}})
    assert queued.status_code == 202
    run_id = queued.get_json()["id"]
    assert queued.get_json()["status"] == "queued"
    polled = client.get(url(f"/api/runs/{run_id}")).get_json()
    assert polled["id"] == run_id and polled["done"] is False


def test_one_run_in_flight_per_candidate(client, started, url):
    code, _ = items(started)
    client.post(url(f"/api/items/{code}/runs"), json={"files": {"adder.py": "x = 1\n"}})
    again = client.post(url(f"/api/items/{code}/runs"), json={"files": {"adder.py": "x = 2\n"}})
    assert again.status_code == 409 and again.get_json()["code"] == "RunInFlight"
    assert "already in progress" in again.get_json()["error"]


def test_runs_are_limited_per_minute(client, started, url):
    code, _ = items(started)
    statuses = []
    for n in range(7):
        response = client.post(
            url(f"/api/items/{code}/runs"), json={"files": {"adder.py": f"x = {n}\n"}}
        )
        statuses.append(response.status_code)
        # Pretend each run finished at once, so only the per-minute limit applies.
        db.session.execute(
            Submission.__table__.update().values(status=SubmissionStatus.GRADED.value)
        )
        db.session.commit()
    assert statuses == [202] * 6 + [429]
    assert "test runs a minute" in response.get_json()["error"]


def test_a_design_challenge_has_no_tests_to_run(client, started, url):
    _, design = items(started)
    response = client.post(url(f"/api/items/{design}/runs"), json={"files": {"answer.md": "x"}})
    assert response.status_code == 400 and "no tests" in response.get_json()["error"]


def test_submit_one_challenge_then_the_whole_assessment(client, started, url):
    code, design = items(started)
    client.post(
        url(f"/api/items/{design}/draft"), json={"files": {"answer.md": "# Mine"}, "revision": 0}
    )
    one = client.post(url(f"/api/items/{code}/submit"))
    assert one.status_code == 200 and one.get_json()["final"]["kind"] == "final"
    ws = client.get(url("/api/workspace")).get_json()
    assert [i["submitted"] for i in ws["items"]] == [True, False]
    done = client.post(url("/api/submit"))
    assert done.get_json()["redirect"] == url("/done")
    finals = db.session.scalars(select(Submission).where(Submission.kind == SubmissionKind.FINAL))
    assert {s.item_id: s.files for s in finals}[design] == {"answer.md": "# Mine"}


def test_after_submitting_the_link_shows_the_submitted_state(client, started, url):
    client.post(url("/api/submit"))
    for path in ("", "/work"):
        assert client.get(url(path)).headers["Location"].endswith(url("/done"))
    page = client.get(url("/done"))
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "your work is submitted" in html
    assert "received for review" in html and "waiting to be graded" in html
    assert 'id="editor"' not in html


def test_writes_after_the_deadline_are_refused_and_the_attempt_finalized(client, started, url):
    code, _ = items(started)
    started.deadline_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = client.post(
        url(f"/api/items/{code}/draft"), json={"files": {"adder.py": "late"}, "revision": 0}
    )
    assert response.status_code == 409 and response.get_json()["code"] == "AttemptClosed"
    assert "Time is up" in response.get_json()["error"]
    assert db.session.scalar(select(Draft.id)) is None
    # Finalization happens by itself: the next look at the clock settles the attempt.
    time = client.get(url("/api/time")).get_json()
    assert time["status"] == "submitted" and time["closing_url"] == url("/done")
    assert client.get(url("/work")).headers["Location"].endswith(url("/done"))


def test_time_sync_reports_the_server_clock_and_deadline(client, started, url):
    data = client.get(url("/api/time")).get_json()
    assert data["status"] == "started"
    assert data["deadline_at"] == started.deadline_at.isoformat()
    assert abs((utcnow() - datetime.fromisoformat(data["server_now"])).total_seconds()) < 60


def test_events_are_recorded_and_bad_ones_refused(client, started, url):
    code, _ = items(started)
    ok = client.post(
        url("/api/events"), json={"kind": "paste", "item_id": code, "data": {"size": 9}}
    )
    assert ok.status_code == 200 and ok.get_json() == {"recorded": True}
    bad = client.post(
        url("/api/events"), json={"kind": "paste", "data": {"size": 3, "text": "secret"}}
    )
    assert bad.status_code == 400 and bad.get_json()["code"] == "EventRejected"
    wrong_item = client.post(url("/api/events"), json={"kind": "focus_lost", "item_id": "1"})
    assert wrong_item.status_code == 400
    rows = db.session.execute(select(AttemptEvent.kind, AttemptEvent.data)).all()
    assert ("paste", {"size": 9}) in rows and all("secret" not in str(d) for _, d in rows)


def test_preview_renders_markdown_without_script(client, started, url):
    response = client.post(
        url("/api/preview"),
        json={"markdown": "**bold**\n\n<img src=x onerror=alert(1)>\n\n[a](javascript:alert(2))"},
    )
    html = response.get_json()["html"]
    assert "<strong>bold</strong>" in html
    assert "<img" not in html and 'href="javascript:' not in html


def test_statement_markdown_keeps_tables_and_code(client, started):
    from assessor.web.candidate import render_markdown

    html = render_markdown("| a | b |\n|---|---|\n| 1 | 2 |\n\n```python\nx = 1\n```\n")
    assert "<table>" in html and "<td>1</td>" in html and "x = 1" in html
    assert 'rel="noopener noreferrer"' in render_markdown("[x](https://example.com)")
    # The page's own h1 names the assessment: a statement's headings go one level down.
    assert render_markdown("# Title\n\n## Part").startswith("<h2>Title</h2>\n<h3>Part</h3>")


def test_a_design_statement_status_page_survives_missing_finals(client, started, url):
    started.status = AttemptStatus.SUBMITTED
    started.submitted_at = utcnow()
    db.session.commit()
    page = client.get(url("/done"))
    assert page.status_code == 200 and "not submitted" in page.get_data(as_text=True)


def test_the_link_leads_to_pages_without_the_token(client, attempt):
    response = client.get(f"/a/{TOKEN}")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/c/{attempt.id}"
    assert TOKEN not in response.get_data(as_text=True)
    landing = client.get(response.headers["Location"])
    assert landing.status_code == 200 and TOKEN not in landing.get_data(as_text=True)
    db.session.refresh(attempt)
    assert attempt.opened_at is not None


def test_an_old_link_with_a_page_path_still_opens(client, started):
    response = client.get(f"/a/{TOKEN}/work")
    assert response.status_code == 303 and response.headers["Location"] == f"/c/{started.id}"
    assert client.get(f"/c/{started.id}").headers["Location"] == f"/c/{started.id}/work"


def test_the_workspace_json_names_the_token_less_urls(client, started, url):
    data = client.get(url("/api/workspace")).get_json()
    assert data["urls"] == {"base": url(), "done": url("/done")}
