"""Scorecards: bounded points, drafts and submission, audit entries, the reviewers' spread."""

import math

import pytest
from sqlalchemy import select

from assessor.extensions import db
from assessor.models import AttemptStatus, AuditEvent, Review
from assessor.services import Conflict
from assessor.services.audience import audience_for
from assessor.services.review_views import ReviewSummary, review_summary
from assessor.services.reviews import (
    ScorecardRejected,
    ScoreInput,
    discard_draft,
    save_scorecard,
)
from tests.unit.rounds import Round


@pytest.fixture
def rnd(ctx):
    return Round()


@pytest.fixture
def attempt(rnd):
    attempt = rnd.candidate()
    rnd.graded(attempt, 3.0)
    return attempt


def scores(rnd, data_model=None, scaling=None):
    return {str(rnd.design.id): {"data-model": data_model, "scaling": scaling}}


def actions():
    return [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_a_draft_then_a_submission_each_write_an_audit_entry(rnd, attempt):
    draft = save_scorecard(
        attempt.id, rnd.viewer.id, ScoreInput(scores(rnd, 3), "First look"), ip="10.0.0.1"
    )
    assert draft.submitted_at is None and draft.rubric_scores == {
        str(rnd.design.id): {"data-model": 3.0}
    }
    done = save_scorecard(
        attempt.id,
        rnd.viewer.id,
        ScoreInput(scores(rnd, 3, 5.5), "Solid", "yes", submit=True),
    )
    assert done.id == draft.id and done.submitted_at is not None
    assert done.decision.value == "yes"
    fixed = save_scorecard(
        attempt.id, rnd.viewer.id, ScoreInput(scores(rnd, 3, 5.5), "Solid.", "strong_yes")
    )
    assert fixed.submitted_at == done.submitted_at, "a correction keeps it submitted"
    assert actions() == ["review.save", "review.submit", "review.update"]
    last = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert last.actor_id == rnd.viewer.id and last.target_id == str(attempt.id)
    assert last.data["changed"] == ["decision", "notes"]
    first = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).first()
    assert first.ip == "10.0.0.1"


@pytest.mark.parametrize("bad", [-1, 4.5, math.nan, math.inf, "3", True])
def test_points_outside_the_criterion_are_refused_and_nothing_is_saved(rnd, attempt, bad):
    with pytest.raises(ScorecardRejected):
        save_scorecard(attempt.id, rnd.viewer.id, ScoreInput(scores(rnd, bad)))
    db.session.rollback()
    assert db.session.scalars(select(Review)).all() == []
    assert actions() == []


def test_unknown_criteria_challenges_and_decisions_are_refused(rnd, attempt):
    for given in (
        ScoreInput({str(rnd.design.id): {"elegance": 2}}),
        ScoreInput({str(rnd.code.id): {"data-model": 2}}),  # the code item has no rubric
        ScoreInput({"99999": {"data-model": 2}}),
        ScoreInput({}, decision="maybe"),
        ScoreInput({}, notes="x" * 20_001),
    ):
        with pytest.raises(ScorecardRejected):
            save_scorecard(attempt.id, rnd.viewer.id, given)
        db.session.rollback()
    assert db.session.scalars(select(Review)).all() == []


def test_submitting_needs_every_criterion_of_the_design_answer(rnd, attempt):
    with pytest.raises(ScorecardRejected, match="score every criterion"):
        save_scorecard(attempt.id, rnd.viewer.id, ScoreInput(scores(rnd, 3), submit=True))
    db.session.rollback()
    undecided = save_scorecard(
        attempt.id, rnd.viewer.id, ScoreInput(scores(rnd, 3, 0), submit=True)
    )
    assert undecided.submitted_at is not None and undecided.decision is None


def test_a_candidate_who_has_not_submitted_cannot_be_reviewed(rnd):
    running = rnd.candidate("Still Working", status=AttemptStatus.STARTED)
    with pytest.raises(Conflict):
        save_scorecard(running.id, rnd.viewer.id, ScoreInput({}))


def test_reviewers_keep_separate_scorecards(rnd, attempt):
    save_scorecard(attempt.id, rnd.viewer.id, ScoreInput(scores(rnd, 4, 6), submit=True))
    save_scorecard(attempt.id, rnd.second.id, ScoreInput(scores(rnd, 1, 2), submit=True))
    mine = db.session.scalars(select(Review).order_by(Review.id)).all()
    assert [r.reviewer_id for r in mine] == [rnd.viewer.id, rnd.second.id]


def test_a_draft_can_be_discarded_but_a_submitted_scorecard_stays(rnd, attempt):
    assert discard_draft(attempt.id, rnd.viewer.id) is False
    save_scorecard(attempt.id, rnd.viewer.id, ScoreInput(scores(rnd, 1)))
    assert discard_draft(attempt.id, rnd.viewer.id) is True
    assert db.session.scalars(select(Review)).all() == []
    save_scorecard(attempt.id, rnd.viewer.id, ScoreInput(scores(rnd, 4, 6), submit=True))
    with pytest.raises(Conflict):
        discard_draft(attempt.id, rnd.viewer.id)
    assert actions() == ["review.save", "review.discard", "review.submit"]


def test_the_spread_shows_each_reviewer_mean_and_range(rnd, attempt):
    rnd.review(attempt, rnd.viewer, 4, 6, "strong_yes")
    rnd.review(attempt, rnd.second, 1, 2, "no")
    rnd.review(attempt, rnd.editor, 3, 3, submit=False)  # a draft: in nobody's spread
    summary = review_summary(attempt.id, audience_for(rnd.owner, rnd.assessment))
    [(item, (model, _scaling, total))] = summary.spreads
    assert item.id == rnd.design.id
    assert [v for _, v in model.values] == [4.0, 1.0]
    assert (model.mean, model.low, model.high) == (2.5, 1.0, 4.0)
    assert model.disagree, "3 points apart on a 4-point criterion"
    assert (total.mean, total.low, total.high) == (6.5, 3.0, 10.0)
    assert summary.decisions["counts"] == {"no": 1, "strong_yes": 1}
    assert summary.decisions["split"] is True
    assert summary.decisions["mean"] == 0.5
    assert [c.decision for c in summary.cards] == ["strong_yes", "no"]


@pytest.mark.parametrize(
    ("hidden", "notice"),
    [
        (0, None),
        (1, "Blind review: 1 scorecard from other reviewers appears once you submit yours."),
        (2, "Blind review: 2 scorecards from other reviewers appear once you submit yours."),
    ],
)
def test_the_blind_notice_agrees_with_its_count(hidden, notice):
    summary = ReviewSummary(True, (), hidden, None, (), {})
    assert summary.notice == notice
