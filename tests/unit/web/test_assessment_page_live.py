"""The dashboard and its live JSON say the same thing in the same words and figures."""

import re

import pytest

from assessor.extensions import db
from assessor.models import AttemptStatus
from assessor.services import attempts
from assessor.services.labels import STATUSES, label_map
from tests.unit.rounds import Round


@pytest.fixture
def rnd(ctx):
    return Round()


def live(client, rnd):
    response = client.get(f"/api/assessments/{rnd.assessment.id}/progress")
    assert response.status_code == 200
    return response.json


def page(client, rnd):
    return client.get(f"/assessments/{rnd.assessment.id}").get_data(as_text=True)


def cell(html, attempt_id, field):
    """Return the text of one cell of an attempt's row, tags removed."""
    row = re.search(rf'<tr data-attempt="{attempt_id}">(.*?)</tr>', html, re.S).group(1)
    found = re.search(rf'data-field="{field}"[^>]*>(.*?)</td>', row, re.S).group(1)
    return " ".join(re.sub(r"<[^>]+>", " ", found).split())


def test_a_total_of_82_5_reads_83_on_the_page_and_in_the_live_update(client, auth, rnd):
    attempt = rnd.candidate()
    rnd.graded(attempt, 3.3)  # 82.5%
    rnd.review(attempt, rnd.viewer, 3.3, 4.95)  # 82.5%
    auth.login(rnd.owner.email)
    [row] = live(client, rnd)["attempts"]
    assert row["percent"] == 83 and row["total_text"] == "83%"
    assert cell(page(client, rnd), attempt.id, "total") == "83%"


def test_page_and_json_agree_cell_by_cell(client, auth, rnd):
    done = rnd.candidate("Ada Lovelace")
    rnd.graded(done, 3.0)
    rnd.review(done, rnd.viewer, 2, 4, "yes")
    rnd.candidate("Bob Builder", status=AttemptStatus.STARTED)
    rnd.candidate("Cyd Invited", status=AttemptStatus.INVITED)
    auth.login(rnd.owner.email)
    html = page(client, rnd)
    for row in live(client, rnd)["attempts"]:
        status = cell(html, row["id"], "status")
        assert status == " ".join([row["status_label"], row["status_detail"]]).strip()
        assert cell(html, row["id"], "deadline") == row["deadline_text"]
        assert cell(html, row["id"], "total") == row["total_text"]
        decisions = " ".join(d["label"] for d in row["decisions"]) or row["decision_note"]
        assert cell(html, row["id"], "decision") == decisions
        skills = " ".join(f"{s['skill']} {s['text']}" for s in row["skill_scores"]) or "—"
        assert cell(html, row["id"], "skills") == skills


def test_the_json_carries_what_the_script_needs_to_fix_what_was_seen(client, auth, rnd):
    attempt = rnd.candidate("Nia New", status=AttemptStatus.INVITED)
    auth.login(rnd.owner.email)
    [before] = live(client, rnd)["attempts"]
    assert before["report_url"] is None and before["deadline_text"] == "—"
    attempts.start(attempt.id)
    [after] = live(client, rnd)["attempts"]
    assert after["report_url"] == f"/attempts/{attempt.id}", "the name becomes a report link"
    assert after["deadline_text"].endswith("UTC"), "the deadline shows once started"
    assert after["status"] == "in_progress" and after["status_detail"].endswith("left")
    assert f'<a href="/attempts/{attempt.id}">Nia New</a>' in page(client, rnd)


def test_a_candidate_invited_after_the_page_loaded_arrives_in_the_json(client, auth, rnd):
    auth.login(rnd.owner.email)
    html = page(client, rnd)
    assert '<template id="progress-row">' in html and "No candidates invited yet" in html
    assert live(client, rnd)["attempts"] == []
    late = rnd.candidate("Lee Late", status=AttemptStatus.INVITED)
    [row] = live(client, rnd)["attempts"]
    assert row["id"] == late.id and row["candidate_name"] == "Lee Late"


def test_the_histogram_is_sent_live_laid_out_as_on_the_page(client, auth, rnd):
    auth.login(rnd.owner.email)
    assert live(client, rnd)["histogram"]["total"] == 0
    assert 'id="histogram" hidden' in page(client, rnd)
    attempt = rnd.candidate()
    rnd.graded(attempt, 4.0)
    rnd.review(attempt, rnd.viewer, 4, 6)
    histogram = live(client, rnd)["histogram"]
    assert histogram["total"] == 1
    bar = histogram["bars"][9]
    assert bar["count"] == 1 and bar["height"] == 120
    html = page(client, rnd)
    assert f'<rect data-bar="9" x="{bar["x"]}" y="{bar["y"]}"' in html
    assert 'id="histogram" hidden' not in html


def test_labels_come_from_one_map(client, auth, rnd):
    rnd.candidate(status=AttemptStatus.STARTED)
    auth.login(rnd.owner.email)
    data = live(client, rnd)
    assert data["labels"] == label_map()
    assert data["attempts"][0]["status_label"] == STATUSES["in_progress"].text
    assert STATUSES["in_progress"].text in page(client, rnd)


def test_the_script_formats_nothing_itself():
    """progress.js writes the server's words: no rounding, no labels, no dates of its own."""
    from pathlib import Path

    script = (Path(__file__).parents[3] / "static" / "js" / "progress.js").read_text()
    for forbidden in ("Math.round", "toFixed", 'replace("_"', "toLocale", "new Date", "CLASSES"):
        assert forbidden not in script, forbidden


def test_dashboard_links_to_invitations_and_edit_for_those_who_manage(client, auth, rnd):
    auth.login(rnd.owner.email)
    html = page(client, rnd)
    assert f"/assessments/{rnd.assessment.id}/compare" in html
    assert f"/assessments/{rnd.assessment.id}/compare.csv" in html
    assert f"/assessments/{rnd.assessment.id}/invitations/new" in html
    auth.logout()
    auth.login(rnd.viewer.email)
    assert "/invitations/new" not in page(client, rnd), "a viewer may not invite"


def test_identity_hidden_rows_still_link_to_reports(client, auth, ctx):
    rnd = Round(hide_identity=True)
    attempt = rnd.candidate("Quinn Quiet")
    db.session.commit()
    auth.login(rnd.viewer.email)
    [row] = live(client, rnd)["attempts"]
    assert row["candidate_name"] == f"Candidate {attempt.id}" and row["candidate_email"] == ""
    assert row["identity_hidden"] is True and row["report_url"]
