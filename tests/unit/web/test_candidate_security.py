"""Attacks on the candidate side: CSRF, other grants, leaks of hidden material, guessing."""

import re

import pytest
from sqlalchemy import select

from assessor.extensions import db
from assessor.models import (
    AttemptStatus,
    Draft,
    Submission,
    SubmissionKind,
    SubmissionStatus,
    TestResult,
    utcnow,
)
from assessor.services import attempts, finalization
from tests.factories import make_assessment, make_attempt, make_version

from .candidates import enter

TOKEN_A = "token-of-candidate-a-" + "a" * 24
TOKEN_B = "token-of-candidate-b-" + "b" * 24
SECRETS = (
    "SOLUTION-SENTINEL",
    "WRONG-SENTINEL",
    "HIDDEN-TEST-SENTINEL",
    "test_hidden_sentinel",
    "RUBRIC-SENTINEL",
)


@pytest.fixture
def app_config(app_config):
    app_config["WTF_CSRF_ENABLED"] = True
    app_config["RATELIMIT_ENABLED"] = True
    return app_config


@pytest.fixture
def pair(ctx):
    version = make_version(
        files={
            "starter": {"adder.py": "def add(a, b):\n    pass\n"},
            "solution": {"adder.py": "# SOLUTION-SENTINEL\n"},
            "wrong": {"w": {"adder.py": "# WRONG-SENTINEL\n"}},
            "tests": {
                "public/test_public.py": "def test_public(): pass\n",
                "hidden/test_hidden.py": "def test_hidden_sentinel(): 'HIDDEN-TEST-SENTINEL'\n",
            },
        },
        meta={"editable": ["adder.py"]},
        manifest=[
            {
                "id": "public/test_public.py::test_public",
                "points": 1,
                "skill": "sql",
                "visibility": "public",
            },
            {
                "id": "hidden/test_hidden.py::test_hidden_sentinel",
                "points": 5,
                "skill": "sql",
                "visibility": "hidden",
            },
        ],
    )
    version.rubric = [{"id": "r", "title": "RUBRIC-SENTINEL", "points": 1, "guidance": ""}]
    db.session.commit()
    assessment = make_assessment(versions=[version])
    a = make_attempt(assessment, token=TOKEN_A)
    b = make_attempt(assessment, token=TOKEN_B)
    attempts.start(a.id)
    attempts.start(b.id)
    return a, b


def csrf_token(client, base):
    html = client.get(f"{base}/work").get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def post(client, path, csrf=None, **kwargs):
    headers = {"X-CSRFToken": csrf} if csrf else {}
    return client.post(path, headers=headers, **kwargs)


# --- CSRF -----------------------------------------------------------------------------------


def test_start_needs_the_csrf_token(ctx, client):
    attempt = make_attempt(token=TOKEN_A)
    base = enter(client, TOKEN_A)
    assert client.post(f"{base}/start").status_code == 400
    db.session.refresh(attempt)
    assert attempt.status is AttemptStatus.INVITED
    html = client.get(base).get_data(as_text=True)
    form_token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    started = client.post(f"{base}/start", data={"csrf_token": form_token})
    assert started.status_code == 303


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/items/{item}/draft", {"files": {"adder.py": "x"}, "revision": 0}),
        ("/api/items/{item}/runs", {"files": {"adder.py": "x"}}),
        ("/api/items/{item}/submit", {}),
        ("/api/submit", {}),
        ("/api/events", {"kind": "focus_lost"}),
        ("/api/preview", {"markdown": "x"}),
    ],
)
def test_every_candidate_write_needs_the_csrf_header(client, pair, path, body):
    # The session cookie now authenticates: a cross-site form or fetch carries it (SameSite=Lax
    # aside), but never the page's CSRF token, so the write is refused.
    a, _ = pair
    item = a.assessment.items[0].id
    base = enter(client, TOKEN_A)
    full = base + path.format(item=item)
    refused = client.post(full, json=body, headers={"Accept": "application/json"})
    assert refused.status_code == 400
    assert "CSRF" in refused.get_json()["error"]
    assert db.session.scalar(select(Draft.id)) is None
    assert db.session.scalar(select(Submission.id)) is None
    assert post(client, full, csrf_token(client, base), json=body).status_code in (200, 202)


def test_a_cross_site_form_post_is_refused(client, pair):
    a, _ = pair
    base = enter(client, TOKEN_A)
    item = a.assessment.items[0].id
    refused = client.post(
        f"{base}/api/items/{item}/draft",
        data={"files": "x"},
        headers={"Origin": "https://evil.example", "Referer": "https://evil.example/"},
    )
    assert refused.status_code == 400
    assert db.session.scalar(select(Draft.id)) is None


def test_a_csrf_token_from_another_session_is_refused(client, app, pair):
    a, _ = pair
    other = app.test_client()
    foreign = csrf_token(other, enter(other, TOKEN_B))
    base = enter(client, TOKEN_A)
    csrf_token(client, base)  # this browser has its own session
    item = a.assessment.items[0].id
    response = post(
        client,
        f"{base}/api/items/{item}/draft",
        foreign,
        json={"files": {"adder.py": "x"}, "revision": 0},
    )
    assert response.status_code == 400


# --- One token, one attempt -------------------------------------------------------------------


def test_another_candidates_grant_cannot_read_or_write_this_attempt(client, pair):
    a, b = pair
    item = a.assessment.items[0].id
    base_a = enter(client, TOKEN_A)
    csrf = csrf_token(client, base_a)
    post(
        client,
        f"{base_a}/api/items/{item}/draft",
        csrf,
        json={"files": {"adder.py": "A's work"}, "revision": 0},
    )
    run = post(
        client,
        f"{base_a}/api/items/{item}/runs",
        csrf,
        json={"files": {"adder.py": "A's work"}},
    ).get_json()

    # B's grant reaches B's attempt only: A's run is not found, and B's save is B's own.
    base_b = enter(client, TOKEN_B)
    assert client.get(f"{base_b}/api/runs/{run['id']}").status_code == 404
    csrf_b = csrf_token(client, base_b)
    assert "A&#39;s work" not in client.get(f"{base_b}/work").get_data(as_text=True)
    b_view = client.get(f"{base_b}/api/workspace").get_json()
    assert "A's work" not in str(b_view)
    post(
        client,
        f"{base_b}/api/items/{item}/draft",
        csrf_b,
        json={"files": {"adder.py": "B's work"}, "revision": 0},
    )
    post(client, f"{base_b}/api/submit", csrf_b)

    drafts = dict(db.session.execute(select(Draft.attempt_id, Draft.files)).all())
    assert drafts == {a.id: {"adder.py": "A's work"}, b.id: {"adder.py": "B's work"}}
    db.session.refresh(a)
    assert a.status is AttemptStatus.STARTED


def test_a_grant_does_not_open_staff_pages(client, pair):
    csrf_token(client, enter(client, TOKEN_A))
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_revoked_invitation_is_a_dead_link_and_ends_the_grant(client, pair):
    a, _ = pair
    base = enter(client, TOKEN_A)
    a.status = AttemptStatus.REVOKED
    db.session.commit()
    assert client.get(f"/a/{TOKEN_A}").status_code == 404
    assert client.get(f"{base}/work").status_code == 404
    assert client.get(f"{base}/api/workspace").status_code == 404


# --- Nothing hidden ever reaches the candidate ------------------------------------------------


def _graded_run_and_final(attempt):
    item = attempt.assessment.items[0]
    run = Submission(
        attempt_id=attempt.id,
        item_id=item.id,
        kind=SubmissionKind.RUN,
        status=SubmissionStatus.GRADED,
        files={},
        outcome="completed",
        finished_at=utcnow(),
        score=1,
        max_score=1,
    )
    run.results = [
        TestResult(
            test_id="public/test_public.py::test_public",
            outcome="passed",
            points=1,
            max_points=1,
            visibility="public",
            skill="sql",
        ),
        # A run never runs hidden tests; if one ever slipped in, it must still not show.
        TestResult(
            test_id="hidden/test_hidden.py::test_hidden_sentinel",
            outcome="failed",
            points=0,
            max_points=5,
            visibility="hidden",
            skill="sql",
            message="HIDDEN-TEST-SENTINEL",
        ),
    ]
    db.session.add(run)
    db.session.commit()
    final = finalization.submit_item(attempt.id, item.id)
    final.status = SubmissionStatus.GRADED
    final.score, final.max_score = 1.2345, 6
    final.results = [
        TestResult(
            test_id="hidden/test_hidden.py::test_hidden_sentinel",
            outcome="failed",
            points=0,
            max_points=5,
            visibility="hidden",
            skill="sql",
            message="HIDDEN-TEST-SENTINEL",
        ),
    ]
    db.session.commit()
    return run


def test_no_candidate_response_contains_hidden_tests_solutions_or_scores(client, pair):
    a, _ = pair
    item = a.assessment.items[0].id
    base = enter(client, TOKEN_A)
    csrf = csrf_token(client, base)
    bodies = [
        client.get(base + p).get_data(as_text=True)
        for p in ("", "/work", "/api/workspace", "/api/time", "/api/status")
    ]
    bodies.append(
        post(
            client,
            f"{base}/api/items/{item}/draft",
            csrf,
            json={"files": {"adder.py": "x = 1\n"}, "revision": 0},
        ).get_data(True)
    )
    run = _graded_run_and_final(a)
    bodies.append(client.get(f"{base}/api/runs/{run.id}").get_data(as_text=True))
    bodies.append(client.get(f"{base}/api/status").get_data(as_text=True))
    bodies.append(post(client, f"{base}/api/submit", csrf).get_data(as_text=True))
    bodies += [
        client.get(base + p, follow_redirects=True).get_data(as_text=True)
        for p in ("", "/done", "/api/status")
    ]
    text = "\n".join(bodies)
    assert "test_public" in text  # the probe itself works: public results are there
    for secret in SECRETS:
        assert secret not in text
    assert "1.2345" not in text  # the final score is for reviewers only


# --- Guessing tokens, caching, script policy ----------------------------------------------


def test_guessing_tokens_is_rate_limited(client, pair):
    statuses = [client.get(f"/a/guess-{n}").status_code for n in range(21)]
    assert statuses[:20] == [404] * 20
    assert statuses[20] == 429
    assert client.get("/a/guess-api/api/time").status_code == 429


def test_a_candidates_own_requests_do_not_use_up_the_guessing_budget(client, pair):
    base = enter(client, TOKEN_A)
    for _ in range(30):
        assert client.get(f"{base}/api/time").status_code == 200
    assert client.get("/a/one-wrong-token").status_code == 404


def test_candidate_pages_have_no_inline_script_and_are_not_cached(client, pair):
    a, b = pair
    make_attempt(a.assessment, token="fresh-" + "c" * 30)
    finalization.finish_attempt(b.id)
    pages = [
        client.get(enter(client, "fresh-" + "c" * 30)),  # landing
        client.get(f"{enter(client, TOKEN_A)}/work"),
        client.get(f"{enter(client, TOKEN_B)}/done"),
        client.get("/a/nope"),
    ]
    assert [p.status_code for p in pages] == [200, 200, 200, 404]
    for page in pages:
        html = page.get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), html
        assert not re.search(r"\son[a-z]+\s*=", html)
        assert page.headers["Cache-Control"] == "no-store"
        assert "script-src 'self'" in page.headers["Content-Security-Policy"]
