"""Scorecards in the browser, blind review and hidden identities on every page a reviewer opens."""

import csv
import io

import pytest
from sqlalchemy import select

from assessor.extensions import db
from assessor.models import AuditEvent, Review
from tests.unit.rounds import Round


@pytest.fixture
def rnd(ctx):
    return Round()


def field(rnd, criterion):
    return f"score-{rnd.design.id}-{criterion}"


def test_a_reviewer_scores_the_rubric_saves_a_draft_then_submits(client, auth, rnd):
    attempt = rnd.candidate()
    rnd.graded(attempt, 3.0, answer="# Plan\n\nUse **consistent hashing**.")
    auth.login(rnd.viewer.email)
    page = client.get(f"/attempts/{attempt.id}/review").get_data(as_text=True)
    assert "<strong>consistent hashing</strong>" in page
    assert f'name="{field(rnd, "data-model")}"' in page and 'max="4"' in page
    draft = client.post(
        f"/attempts/{attempt.id}/review",
        data={field(rnd, "data-model"): "3", "notes": "Clear.", "save": "Save draft"},
    )
    assert draft.status_code == 302
    assert "Draft saved" in client.get(draft.location).get_data(as_text=True)
    done = client.post(
        f"/attempts/{attempt.id}/review",
        data={
            field(rnd, "data-model"): "3",
            field(rnd, "scaling"): "4.5",
            "notes": "Clear.",
            "decision": "yes",
            "submit": "Submit scorecard",
        },
        follow_redirects=True,
    )
    assert "Scorecard submitted" in done.get_data(as_text=True)
    review = db.session.scalars(select(Review)).one()
    assert review.submitted_at and review.decision.value == "yes"
    assert review.rubric_scores == {str(rnd.design.id): {"data-model": 3.0, "scaling": 4.5}}
    report = client.get(f"/attempts/{attempt.id}").get_data(as_text=True)
    assert "75%" in report, "code 75% and design 7.5/10 make 75%"
    again = client.get(f"/attempts/{attempt.id}/review").get_data(as_text=True)
    assert 'value="3"' in again and 'value="4.5"' in again and 'value="3.0"' not in again


def test_points_above_the_criterion_are_refused_with_the_reason(client, auth, rnd):
    attempt = rnd.candidate()
    rnd.graded(attempt, 3.0)
    auth.login(rnd.viewer.email)
    response = client.post(
        f"/attempts/{attempt.id}/review",
        data={field(rnd, "data-model"): "5", field(rnd, "scaling"): "1", "submit": "1"},
    )
    assert response.status_code == 422
    assert "Number must be between 0 and 4" in response.get_data(as_text=True)
    assert db.session.scalars(select(Review)).all() == []


def test_submitting_without_the_whole_rubric_says_what_is_missing(client, auth, rnd):
    attempt = rnd.candidate()
    rnd.graded(attempt, 3.0)
    auth.login(rnd.viewer.email)
    response = client.post(
        f"/attempts/{attempt.id}/review", data={field(rnd, "data-model"): "2", "submit": "1"}
    )
    assert response.status_code == 422
    assert "score every criterion" in response.get_data(as_text=True)


def test_notes_are_markdown_rendered_safely(client, auth, rnd):
    attempt = rnd.candidate()
    rnd.graded(attempt, 3.0)
    review = rnd.review(attempt, rnd.viewer, 2, 3, "yes")
    review.notes = "**good** <script>alert(1)</script> <img src=x onerror=alert(2)>"
    db.session.commit()
    auth.login(rnd.owner.email)
    for path in (f"/attempts/{attempt.id}", f"/attempts/{attempt.id}/review"):
        html = client.get(path).get_data(as_text=True)
        assert "<strong>good</strong>" in html
        assert "<script>alert(1)" not in html and "<img src=x" not in html


def test_every_review_action_is_audited(client, auth, rnd):
    attempt = rnd.candidate()
    rnd.graded(attempt, 3.0)
    auth.login(rnd.viewer.email)
    client.post(f"/attempts/{attempt.id}/review", data={"notes": "x", "save": "1"})
    client.post(f"/attempts/{attempt.id}/review/discard")
    client.post(
        f"/attempts/{attempt.id}/review",
        data={field(rnd, "data-model"): "1", field(rnd, "scaling"): "1", "submit": "1"},
    )
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    reviews = [e for e in events if e.action.startswith("review.")]
    assert [e.action for e in reviews] == ["review.save", "review.discard", "review.submit"]
    assert {e.actor_id for e in reviews} == {rnd.viewer.id}


def test_a_candidate_still_working_has_nothing_to_review(client, auth, rnd):
    from assessor.models import AttemptStatus

    attempt = rnd.candidate(status=AttemptStatus.STARTED)
    auth.login(rnd.viewer.email)
    assert "has not submitted yet" in client.get(f"/attempts/{attempt.id}/review").get_data(
        as_text=True
    )
    assert client.post(f"/attempts/{attempt.id}/review", data={"save": "1"}).status_code == 409


# --- Blind review: nothing of another reviewer's scorecard before you submit yours ---------


SECRET_NOTE = "Notes by"  # Round.review writes "Notes by <reviewer name>"


def surfaces(client, rnd, attempt):
    """Every page and answer a reviewer can open about the attempt, as text."""
    assessment = rnd.assessment.id
    paths = [
        f"/assessments/{assessment}",
        f"/api/assessments/{assessment}/progress",
        f"/assessments/{assessment}/compare",
        f"/assessments/{assessment}/compare.csv",
        f"/attempts/{attempt.id}",
        f"/attempts/{attempt.id}/print",
        f"/attempts/{attempt.id}/review",
    ]
    out = {}
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        out[path] = response.get_data(as_text=True)
    return out


def leaks(texts, needles):
    return {
        path: [n for n in needles if n in text]
        for path, text in texts.items()
        if any(n in text for n in needles)
    }


@pytest.fixture
def blind(ctx):
    rnd = Round(blind=True)
    attempt = rnd.candidate()
    rnd.graded(attempt, 4.0)
    # 1.5 + 2.2 = 3.7 of 10: the design reads 37%, and with the code's 100% the total 69%.
    first = rnd.review(attempt, rnd.viewer, 1.5, 2.2, "strong_no")
    first.notes = "SECRET-FIRST-OPINION"
    db.session.commit()
    return rnd, attempt


# What the first scorecard would show: its notes, its decision's badge, its points and the
# percents they make. (The histogram's "30 to 40%" and the decision menu's options are fine.)
FIRST = ["SECRET-FIRST-OPINION", ">strong no<", "3.7", "37%", "69%"]


def test_blind_reviewer_sees_no_trace_of_anothers_scorecard_before_submitting(client, auth, blind):
    rnd, attempt = blind
    auth.login(rnd.second.email)
    texts = surfaces(client, rnd, attempt)
    assert leaks(texts, FIRST) == {}
    assert rnd.viewer.name not in texts[f"/attempts/{attempt.id}"]
    assert "appear once you submit yours" in texts[f"/attempts/{attempt.id}/review"]
    [row] = client.get(f"/api/assessments/{rnd.assessment.id}/progress").json["attempts"]
    assert row["decisions"] == [] and row["percent"] is None
    assert row["total_state"] == "hidden" and row["items"][1]["percent"] is None
    assert [s["skill"] for s in row["skill_scores"]] == ["api-design"]
    header, line = csv.reader(io.StringIO(texts[f"/assessments/{rnd.assessment.id}/compare.csv"]))
    cells = dict(zip(header, line, strict=True))
    assert cells[f"{rnd.design.version.title} (%)"] == "" and cells["Total (%)"] == ""
    assert cells["Decisions"] == "" and cells["system-design (%)"] == ""
    assert cells["Total note"] == "hidden until you submit your review"


def test_blind_reviewer_with_a_draft_still_sees_nothing(client, auth, blind):
    rnd, attempt = blind
    rnd.review(attempt, rnd.second, 3, 3, "yes", submit=False)
    auth.login(rnd.second.email)
    assert leaks(surfaces(client, rnd, attempt), FIRST) == {}


def test_blind_reviewer_sees_everything_once_submitted(client, auth, blind):
    rnd, attempt = blind
    rnd.review(attempt, rnd.second, 3, 3, "yes")
    auth.login(rnd.second.email)
    report = client.get(f"/attempts/{attempt.id}").get_data(as_text=True)
    assert "SECRET-FIRST-OPINION" in report and ">strong no<" in report
    data = client.get(f"/api/assessments/{rnd.assessment.id}/progress").json
    assert [d["value"] for d in data["attempts"][0]["decisions"]] == ["strong_no", "yes"]


def test_owner_who_is_not_reviewing_reads_the_scorecards(client, auth, blind):
    rnd, attempt = blind
    auth.login(rnd.owner.email)
    assert "SECRET-FIRST-OPINION" in client.get(f"/attempts/{attempt.id}").get_data(as_text=True)


def test_owner_who_started_a_scorecard_is_blind_too(client, auth, blind):
    rnd, attempt = blind
    rnd.review(attempt, rnd.owner, 2, 2, submit=False)
    auth.login(rnd.owner.email)
    assert leaks(surfaces(client, rnd, attempt), FIRST) == {}


def test_without_blind_mode_submitted_scorecards_are_shared_drafts_are_not(client, auth, rnd):
    attempt = rnd.candidate()
    rnd.graded(attempt, 4.0)
    rnd.review(attempt, rnd.viewer, 4, 6, "yes")
    draft = rnd.review(attempt, rnd.editor, 0, 0, "strong_no", submit=False)
    draft.notes = "DRAFT-ONLY"
    db.session.commit()
    auth.login(rnd.second.email)
    report = client.get(f"/attempts/{attempt.id}").get_data(as_text=True)
    assert f"Notes by {rnd.viewer.name}" in report
    assert "DRAFT-ONLY" not in report and ">strong no<" not in report


# --- Hidden identities: "Candidate 12" wherever a viewer reads about the candidate --------


@pytest.fixture
def anonymous(ctx):
    rnd = Round(hide_identity=True)
    attempt = rnd.candidate("Zelda Secretname")
    rnd.graded(attempt, 4.0)
    rnd.review(attempt, rnd.owner, 4, 6, "yes")
    return rnd, attempt


IDENTITY = ["Zelda", "Secretname", "zelda@candidates.test"]


def test_a_viewer_never_reads_the_candidates_name_or_email(client, auth, anonymous):
    rnd, attempt = anonymous
    auth.login(rnd.viewer.email)
    texts = surfaces(client, rnd, attempt)
    texts["revisions"] = client.get(
        f"/attempts/{attempt.id}/items/{rnd.code.id}/revisions"
    ).get_data(as_text=True)
    texts["home"] = client.get("/").get_data(as_text=True)
    assert leaks(texts, IDENTITY) == {}
    assert f"Candidate {attempt.id}" in texts[f"/attempts/{attempt.id}"]
    assert f"Candidate {attempt.id}" in texts[f"/assessments/{rnd.assessment.id}/compare.csv"]
    assert "Email" not in texts[f"/assessments/{rnd.assessment.id}/compare.csv"].splitlines()[0]


@pytest.mark.parametrize("who", ["owner", "editor", "admin"])
def test_those_who_manage_the_assessment_still_see_identities(client, auth, anonymous, who):
    rnd, attempt = anonymous
    auth.login(getattr(rnd, who).email)
    for path in (f"/assessments/{rnd.assessment.id}", f"/attempts/{attempt.id}"):
        text = client.get(path).get_data(as_text=True)
        assert "Zelda Secretname" in text and "zelda@candidates.test" in text


def test_manual_criteria_of_a_code_challenge_are_scored_but_leave_the_total_alone(
    client, auth, rnd
):
    rnd.code.version.rubric = [
        {"id": "readability", "title": "Readability", "points": 3, "guidance": "Names."}
    ]
    db.session.commit()
    attempt = rnd.candidate()
    rnd.graded(attempt, 4.0)
    auth.login(rnd.viewer.email)
    page = client.get(f"/attempts/{attempt.id}/review").get_data(as_text=True)
    assert f'name="score-{rnd.code.id}-readability"' in page
    response = client.post(
        f"/attempts/{attempt.id}/review",
        data={
            f"score-{rnd.code.id}-readability": "1",
            field(rnd, "data-model"): "4",
            field(rnd, "scaling"): "6",
            "submit": "1",
        },
    )
    assert response.status_code == 302
    review = db.session.scalars(select(Review)).one()
    assert review.rubric_scores[str(rnd.code.id)] == {"readability": 1.0}
    [row] = client.get(f"/api/assessments/{rnd.assessment.id}/progress").json["attempts"]
    assert row["percent"] == 100, "tests 100% and design 100%: readability is beside them"
    report = client.get(f"/attempts/{attempt.id}").get_data(as_text=True)
    assert "Readability" in report and "Names." in report
