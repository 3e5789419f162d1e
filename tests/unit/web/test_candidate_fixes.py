"""Candidate-side fixes: sizes said plainly, Markdown descriptions, plurals, ways back."""

import json
from datetime import timedelta

import pytest

from assessor.extensions import db
from assessor.models import utcnow
from assessor.services import attempts
from tests.factories import make_assessment, make_attempt, make_version

from .candidates import enter

TOKEN = "candidate-fixes-" + "b" * 30


@pytest.fixture
def attempt(ctx):
    version = make_version(meta={"editable": ["solution.py"]})
    assessment = make_assessment(versions=[version], duration_minutes=1)
    assessment.description = (
        "Use `GET /items` and **keyset** paging.\n\n"
        "<script>alert('x')</script> [x](javascript:alert(1))"
    )
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


def test_the_description_is_rendered_markdown_without_script(client, attempt, url):
    html = client.get(url()).get_data(as_text=True)
    assert "<code>GET /items</code>" in html and "<strong>keyset</strong>" in html
    assert "`GET /items`" not in html
    assert "<script>alert" not in html and 'href="javascript' not in html


def test_one_minute_is_singular_and_extra_time_plural(client, attempt, url):
    html = client.get(url()).get_data(as_text=True)
    assert '<dd id="duration">1 minute</dd>' in html
    attempt.extra_minutes = 1
    db.session.commit()
    html = client.get(url()).get_data(as_text=True)
    assert "2 minutes" in html and "(1 + 1 extra)" in html and "1 minutes" not in html


def test_a_five_megabyte_save_says_it_is_too_large_and_the_limits(client, started, url):
    item = started.assessment.items[0].id
    body = json.dumps({"files": {"solution.py": "x" * (5 * 1024 * 1024)}, "revision": 0})
    response = client.post(
        url(f"/api/items/{item}/draft"), data=body, content_type="application/json"
    )
    assert response.status_code == 413
    data = response.get_json()
    assert data["code"] == "TooLarge"
    assert "5.0 MB" in data["error"] and "at most 4.0 MB" in data["error"]
    assert "256 KB" in data["error"] and "capacity limit" not in data["error"]
    # The same for a test run, which sends the files too.
    run = client.post(url(f"/api/items/{item}/runs"), data=body, content_type="application/json")
    assert run.status_code == 413 and run.get_json()["code"] == "TooLarge"


def test_the_workspace_tells_the_browser_the_limits(client, started, url):
    limits = client.get(url("/api/workspace")).get_json()["limits"]
    assert limits == {
        "file_bytes": attempts.MAX_FILE_BYTES,
        "total_bytes": attempts.MAX_DRAFT_BYTES,
        "request_bytes": 4 * 1024 * 1024,
    }


@pytest.fixture
def limited(app_config):
    app_config["RATELIMIT_ENABLED"] = True


def test_the_candidate_rate_limit_page_has_a_way_back(limited, client, attempt):
    for n in range(20):
        client.get(f"/a/guess-{n}")
    page = client.get(f"/a/guess-{n}")
    html = page.get_data(as_text=True)
    assert page.status_code == 429 and "Slow down" in html and "wait a minute" in html
    assert "Candidate assessment" in html  # the candidate's layout, not the staff pages
    assert 'href="/a/guess-19"' in html and "Try the link again" in html
    assert '<meta name="referrer" content="no-referrer">' in html  # the URL holds a token


def test_a_refused_page_leads_back_to_the_first_page(client, attempt, url):
    attempt.expires_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    page = client.post(url("/start"))
    html = page.get_data(as_text=True)
    assert page.status_code == 410
    assert f'href="{url()}"' in html and "Back to the assessment" in html
    assert 'name="referrer"' not in html  # a token-less page keeps the usual policy


def test_the_staff_error_pages_offer_a_way_on(client):
    page = client.get("/no-such-page").get_data(as_text=True)
    assert 'href="/login"' in page


def test_plurals_and_sizes_read_right():
    from assessor.wording import megabytes, plural

    assert [plural(n, "minute") for n in (0, 1, 2)] == ["0 minutes", "1 minute", "2 minutes"]
    assert plural(1.0, "point") == "1 point" and plural(2.5, "point") == "2.5 points"
    assert plural(3, "criterion", "criteria") == "3 criteria"
    assert megabytes(5 * 1024 * 1024) == "5.0 MB" and megabytes(12 * 1024 * 1024) == "12 MB"
