"""The progress service: each candidate's status, totals with reviewed design, one rounding rule."""

from datetime import timedelta

import pytest

from assessor.extensions import db
from assessor.models import AttemptStatus, Submission, SubmissionKind, SubmissionStatus, utcnow
from assessor.services import status as status_service
from assessor.services.audience import audience_for
from assessor.services.dashboard import dashboard, row_view
from assessor.services.labels import STATUSES
from assessor.services.progress import assessment_progress, attempt_progress, score_histogram
from assessor.services.scoring import percent_text, round_percent
from tests.unit.rounds import Round


@pytest.fixture
def rnd(ctx):
    return Round()


def row_of(attempt, audience=None):
    db.session.expire_all()
    return attempt_progress(attempt) if audience is None else attempt_progress(attempt, audience)


@pytest.mark.parametrize(
    ("value", "shown"),
    [(82.5, 83), (82.49999999999999, 83), (82.4999, 82), (0.5, 1), (99.5, 100), (100.0, 100)],
)
def test_one_rounding_rule_rounds_halves_up(value, shown):
    assert round_percent(value) == shown
    assert percent_text(value) == f"{shown}%"


def test_no_percent_reads_as_a_dash():
    assert round_percent(None) is None and percent_text(None) == "—"


def test_statuses_follow_the_round_from_invitation_to_decision(rnd):
    invited = rnd.candidate("Ivy Invited", status=AttemptStatus.INVITED)
    opened = rnd.candidate("Olga Opened", status=AttemptStatus.INVITED)
    opened.opened_at = utcnow()
    lapsed = rnd.candidate("Lars Lapsed", status=AttemptStatus.INVITED)
    lapsed.expires_at = utcnow() - timedelta(minutes=1)
    revoked = rnd.candidate("Rita Revoked", status=AttemptStatus.REVOKED)
    running = rnd.candidate("Ron Running", status=AttemptStatus.STARTED)
    db.session.commit()
    assert row_of(invited).status == "invited"
    assert row_of(opened).status == "opened"
    assert row_of(lapsed).status == "expired"
    assert row_of(revoked).status == "revoked"
    row = row_of(running)
    assert row.status == "in_progress"
    assert 19 * 60 < row.time_left_seconds <= 20 * 60
    assert row_view(row, ())["status_detail"] == "19 min left"


def test_statuses_after_submission_track_grading_then_reviews(rnd):
    attempt = rnd.candidate()
    code = Submission(
        attempt_id=attempt.id,
        item_id=rnd.code.id,
        kind=SubmissionKind.FINAL,
        status=SubmissionStatus.QUEUED,
    )
    db.session.add(code)
    db.session.commit()
    assert row_of(attempt).status == "submitted"
    code.status = SubmissionStatus.RUNNING
    db.session.commit()
    assert row_of(attempt).status == "grading"
    assert row_of(attempt).grading_pending
    code.status = SubmissionStatus.ERROR
    db.session.commit()
    assert row_of(attempt).status == "grading_failed"
    assert row_of(attempt).total_state == "grading_failed"
    code.status, code.score, code.max_score = SubmissionStatus.GRADED, 2.0, 4.0
    db.session.commit()
    assert row_of(attempt).status == "graded"
    rnd.review(attempt, rnd.viewer, 2, 3, submit=False)
    assert row_of(attempt).status == "graded", "a draft is not a review"
    rnd.review(attempt, rnd.second, 2, 3)
    assert row_of(attempt).status == "reviewed"
    rnd.review(attempt, rnd.owner, 4, 6, "yes")
    assert row_of(attempt).status == "decided"


def test_every_status_has_a_label():
    assert set(STATUSES) >= {
        "invited",
        "opened",
        "in_progress",
        "submitted",
        "grading",
        "graded",
        "reviewed",
        "decided",
    }


def test_total_says_pending_review_until_a_scorecard_scores_the_design(rnd):
    attempt = rnd.candidate()
    rnd.graded(attempt, 4.0)
    row = row_of(attempt)
    assert row.percent is None and row.total_state == "pending_review"
    assert [i.state for i in row.items] == ["graded", "pending_review"]
    assert row_view(row, ())["total_text"] == "pending review"
    rnd.review(attempt, rnd.viewer, 4, 6, submit=False)
    assert row_of(attempt).total_state == "pending_review", "a draft does not count"


def test_total_includes_the_mean_of_submitted_scorecards_weighted_like_other_items(rnd):
    attempt = rnd.candidate()
    rnd.design.weight = 3.0
    db.session.commit()
    rnd.graded(attempt, 2.0)  # code: 50%
    rnd.review(attempt, rnd.viewer, 4, 6)  # 10/10
    rnd.review(attempt, rnd.second, 2, 3)  # 5/10
    row = row_of(attempt)
    design = row.items[1]
    assert design.state == "reviewed" and design.percent == pytest.approx(75.0)
    assert row.percent == pytest.approx((50 + 3 * 75) / 4)
    assert row.skills["system-design"] == (7.5, 10.0)
    assert row.skills["api-design"] == (2.0, 4.0)


def test_a_total_of_82_5_reads_83_on_the_page_json_and_histogram(rnd):
    attempt = rnd.candidate()
    rnd.graded(attempt, 3.3, 4.0)  # 82.5%
    rnd.review(attempt, rnd.viewer, 3.3, 4.95)  # 8.25/10 = 82.5%
    [row] = assessment_progress(rnd.assessment.id)
    assert row.percent == pytest.approx(82.5)
    board = dashboard(rnd.assessment.id)
    assert board.rows[0]["percent"] == 83 and board.rows[0]["total_text"] == "83%"
    assert [c["text"] for c in board.rows[0]["items"]] == ["83%", "83%"]
    assert score_histogram([row]) == [0] * 8 + [1, 0]


def test_histogram_buckets_by_the_shown_total(rnd):
    attempt = rnd.candidate()
    rnd.graded(attempt, 3.58, 4.0)  # 89.5% shows as 90%
    rnd.review(attempt, rnd.viewer, 3.58, 5.37)
    [row] = assessment_progress(rnd.assessment.id)
    assert row.shown_percent == 90
    assert score_histogram([row]) == [0] * 9 + [1]


def test_histogram_counts_only_final_totals(rnd):
    rnd.graded(rnd.candidate("Pending Review"), 4.0)
    rnd.candidate("Still Working", status=AttemptStatus.STARTED)
    assert score_histogram(assessment_progress(rnd.assessment.id)) == [0] * 10


def test_staff_status_and_dashboard_agree_on_grading_done(rnd):
    attempt = rnd.candidate()
    rnd.graded(attempt, 4.0)
    data = status_service.attempt_status(attempt, for_candidate=False)
    assert data["grading_done"] is True
    assert row_of(attempt).grading_pending is False
    queued = db.session.get(Submission, data["items"][0]["final"]["id"])
    queued.status = SubmissionStatus.QUEUED
    db.session.commit()
    assert status_service.attempt_status(attempt, for_candidate=False)["grading_done"] is False
    assert row_of(attempt).grading_pending is True


def test_time_used_runs_from_start_to_submission(rnd):
    row = row_of(rnd.candidate())
    assert row.time_used_seconds == pytest.approx(35 * 60)
    assert row_view(row, ())["time_used_text"] == "35 min"


def test_blind_reader_sees_no_review_figures_until_submitting(ctx):
    rnd = Round(blind=True)
    attempt = rnd.candidate()
    rnd.graded(attempt, 4.0)
    rnd.review(attempt, rnd.viewer, 4, 6, "strong_yes")
    second = audience_for(rnd.second, rnd.assessment)
    row = row_of(attempt, second)
    assert row.total_state == "hidden" and row.percent is None
    assert row.items[1].state == "hidden" and row.items[1].percent is None
    assert row.decisions == () and "system-design" not in row.skills
    assert row.status == "decided", "that someone decided is not a score"
    assert row_view(row, ())["decision_note"] == "hidden until you review"
    rnd.review(attempt, rnd.second, 2, 3, "no")
    row = row_of(attempt, second)
    assert row.total_state == "final" and row.decisions == ("strong_yes", "no")
    assert row.items[1].percent == pytest.approx(75.0)
