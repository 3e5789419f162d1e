"""The printable report: the whole report on plain pages, with its print stylesheet."""

import pytest

from tests.unit.rounds import Round


@pytest.fixture
def reviewed(ctx):
    rnd = Round()
    attempt = rnd.candidate("Ada Lovelace")
    rnd.graded(attempt, 3.0, answer="# Plan\n\n<script>alert(1)</script> **shard** it")
    rnd.review(attempt, rnd.viewer, 2, 4, "yes")
    return rnd, attempt


def test_print_page_holds_the_results_without_the_menu(client, auth, reviewed):
    rnd, attempt = reviewed
    auth.login(rnd.owner.email)
    html = client.get(f"/attempts/{attempt.id}/print").get_data(as_text=True)
    assert "css/print.css" in html and 'class="topbar"' not in html
    for text in ("Ada Lovelace", "68%", "Weighted total", "Data model", "yes", "Timeline"):
        assert text in html, text
    assert "<strong>shard</strong>" in html and "<script>alert(1)" not in html
    assert "<script>" not in html.replace('<script src="/static/js/print.js" defer>', "")


def test_report_links_to_its_printable_view(client, auth, reviewed):
    rnd, attempt = reviewed
    auth.login(rnd.viewer.email)
    html = client.get(f"/attempts/{attempt.id}").get_data(as_text=True)
    assert f'href="/attempts/{attempt.id}/print"' in html


def test_the_report_says_pending_review_until_a_scorecard_is_submitted(client, auth, ctx):
    rnd = Round()
    attempt = rnd.candidate()
    rnd.graded(attempt, 4.0)
    auth.login(rnd.owner.email)
    html = client.get(f"/attempts/{attempt.id}").get_data(as_text=True)
    assert "pending review" in html and "Write your scorecard" in html
