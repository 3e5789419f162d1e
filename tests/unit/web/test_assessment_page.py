import pytest

from assessor.extensions import db
from assessor.models import AttemptStatus, Role, Submission, SubmissionKind
from assessor.services.overview import staff_home
from assessor.services.progress import assessment_progress, score_histogram
from tests.factories import make_assessment, make_attempt, make_user, make_version


@pytest.fixture
def assessment(ctx):
    owner = make_user(Role.INTERVIEWER)
    first, second = make_version("first"), make_version("second")
    assessment = make_assessment(owner, versions=[first, second])
    assessment.items[1].weight = 3.0
    db.session.commit()
    return assessment


def final(attempt, item, **fields):
    submission = Submission(
        attempt_id=attempt.id, item_id=item.id, kind=SubmissionKind.FINAL, **fields
    )
    db.session.add(submission)
    db.session.commit()
    return submission


def test_progress_weights_graded_challenges(assessment):
    attempt = make_attempt(assessment, status=AttemptStatus.SUBMITTED)
    first, second = assessment.items
    final(attempt, first, status="graded", score=1.0, max_score=4.0, outcome="completed")
    final(attempt, second, status="graded", score=4.0, max_score=4.0, outcome="completed")
    [row] = assessment_progress(assessment.id)
    assert [i.percent for i in row.items] == [25.0, 100.0]
    assert row.percent == pytest.approx((25 + 3 * 100) / 4)
    assert score_histogram([row]) == [0] * 8 + [1, 0]


def test_pending_grading_has_no_total_yet(assessment):
    attempt = make_attempt(assessment, status=AttemptStatus.SUBMITTED)
    final(attempt, assessment.items[0], status="graded", score=4.0, max_score=4.0)
    final(attempt, assessment.items[1], status="queued")
    [row] = assessment_progress(assessment.id)
    assert row.grading_pending and row.percent is None
    assert [i.state for i in row.items] == ["graded", "queued"]


def test_owner_sees_page_and_json(client, auth, assessment):
    make_attempt(assessment)
    auth.login(assessment.owner.email)
    page = client.get(f"/assessments/{assessment.id}")
    assert page.status_code == 200 and b"Candidates" in page.data
    data = client.get(f"/api/assessments/{assessment.id}/progress").json
    assert data["pending"] is False and data["attempts"][0]["status"] == "invited"


def test_stranger_gets_404(client, auth, assessment):
    auth.login(make_user(Role.INTERVIEWER).email)
    assert client.get(f"/assessments/{assessment.id}").status_code == 404
    assert client.get(f"/api/assessments/{assessment.id}/progress").status_code == 404


def test_candidate_names_are_escaped(client, auth, assessment):
    attempt = make_attempt(assessment)
    attempt.candidate_name = "<script>alert(1)</script>"
    db.session.commit()
    auth.login(assessment.owner.email)
    html = client.get(f"/assessments/{assessment.id}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_home_counts_candidates_by_dashboard_status_of_visible_assessments_only(ctx, assessment):
    make_attempt(assessment)
    make_attempt(assessment, status=AttemptStatus.STARTED)
    make_attempt(make_assessment(make_user(Role.INTERVIEWER)))  # someone else's
    home = staff_home(assessment.owner)
    assert [a.id for a in home.assessments] == [assessment.id]
    assert home.assessments[0].counts == {"invited": 1, "in_progress": 1}
    assert home.challenge_count == 3
    assert staff_home(make_user(Role.AUTHOR)).assessments == []


def test_home_lists_candidates_waiting_for_my_review(client, auth, ctx):
    from tests.unit.rounds import Round

    rnd = Round(hide_identity=True)
    done = rnd.candidate("Ada Lovelace")
    rnd.graded(done, 4.0)
    reviewed = rnd.candidate("Bob Builder")
    rnd.graded(reviewed, 4.0)
    rnd.review(reviewed, rnd.viewer, 4, 6, "yes")
    rnd.candidate("Cyd Working", status=AttemptStatus.STARTED)
    home = staff_home(rnd.viewer)
    assert [r.attempt_id for r in home.to_review] == [done.id]
    assert home.to_review[0].candidate == f"Candidate {done.id}", "identities stay hidden"
    assert home.assessments[0].to_review == 1
    auth.login(rnd.viewer.email)
    html = client.get("/").get_data(as_text=True)
    assert "Waiting for your review" in html and f"/attempts/{done.id}/review" in html
    assert "Ada" not in html
