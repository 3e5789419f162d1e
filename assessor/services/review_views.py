"""What reviewers read: the scorecards they may see, the spread between them, and their own."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from sqlalchemy import select

from assessor.extensions import db
from assessor.models import Attempt, AttemptStatus, Review, User
from assessor.services import NotFound
from assessor.services.audience import Audience
from assessor.services.dashboard import row_view
from assessor.services.labels import DECISIONS
from assessor.services.progress import attempt_progress
from assessor.services.scorecards import (
    ItemFacts,
    Spread,
    criterion_spreads,
    decision_spread,
    item_facts,
    rubric_total,
)
from assessor.services.submissions import final_submission
from assessor.wording import plural


@dataclasses.dataclass(frozen=True)
class Card:
    """One reviewer's submitted scorecard, as others read it."""

    reviewer: str
    mine: bool
    submitted_at: datetime | None
    decision: str | None
    decision_label: str
    decision_tone: str
    notes: str  # Markdown, rendered by the page with the safe renderer
    totals: tuple[tuple[str, float | None, float], ...]  # (challenge, points, out of)


@dataclasses.dataclass(frozen=True)
class ReviewSummary:
    blind: bool
    cards: tuple[Card, ...]
    hidden: int  # others' submitted scorecards this reader may not see yet
    mine: str | None  # None, "draft" or "submitted"
    spreads: tuple[tuple[ItemFacts, tuple[Spread, ...]], ...]
    decisions: dict[str, Any]

    @property
    def notice(self) -> str | None:
        """Explain why scorecards are missing, when blind review hides some."""
        if not self.hidden:
            return None
        appear = "appears" if self.hidden == 1 else "appear"
        some = plural(self.hidden, "scorecard")
        return f"Blind review: {some} from other reviewers {appear} once you submit yours."


@dataclasses.dataclass(frozen=True)
class ReviewItem:
    facts: ItemFacts
    submitted: bool  # the candidate submitted this challenge
    answer: tuple[tuple[str, str], ...]  # (path, text) of a manual challenge's answer
    values: dict[str, float]  # the reader's own points, by criterion id
    score: dict[str, Any]  # the dashboard's view of this challenge: label, tone, text


@dataclasses.dataclass(frozen=True)
class ReviewPage:
    attempt_id: int
    assessment_id: int
    assessment_title: str
    candidate: str
    email: str
    reviewable: bool  # the candidate submitted: a scorecard may be written
    items: tuple[ReviewItem, ...]
    notes: str
    decision: str | None
    state: str | None  # None, "draft" or "submitted"
    updated_at: datetime | None
    summary: ReviewSummary


def review_summary(attempt_id: int, audience: Audience) -> ReviewSummary:
    """Return the scorecards of an attempt that the reader may see, and their spread."""
    attempt = _attempt(attempt_id)
    reviews = _reviews(attempt.id)
    names = _names(reviews)
    own = next((r for r in reviews if r.reviewer_id == audience.user_id), None)
    seen = [r for r in audience.visible_reviews(reviews) if r.submitted_at is not None]
    items = [item_facts(i) for i in attempt.assessment.items]
    return ReviewSummary(
        blind=audience.blind,
        cards=tuple(_card(r, names, items, audience.user_id) for r in seen),
        hidden=sum(1 for r in reviews if r.submitted_at is not None and r not in seen),
        mine=None if own is None else ("submitted" if own.submitted_at else "draft"),
        spreads=tuple(
            (item, tuple(criterion_spreads(item, seen, names))) for item in items if item.criteria
        ),
        decisions=decision_spread(seen, names),
    )


def review_page(attempt_id: int, audience: Audience) -> ReviewPage:
    """Gather the scorecard page: the answers, the rubric with the reader's points, the spread."""
    attempt = _attempt(attempt_id)
    own = db.session.scalar(
        select(Review).where(
            Review.attempt_id == attempt.id, Review.reviewer_id == audience.user_id
        )
    )
    row = row_view(attempt_progress(attempt, audience), ())
    scores = {s["item_id"]: s for s in row["items"]}
    items = []
    for item in attempt.assessment.items:
        facts = item_facts(item)
        final = final_submission(attempt.id, item.id)
        answer = tuple(sorted((final.files or {}).items())) if final and facts.manual else ()
        mine = (own.rubric_scores or {}).get(str(item.id), {}) if own else {}
        items.append(ReviewItem(facts, final is not None, answer, dict(mine), scores[item.id]))
    return ReviewPage(
        attempt_id=attempt.id,
        assessment_id=attempt.assessment_id,
        assessment_title=attempt.assessment.title,
        candidate=audience.candidate_name(attempt.id, attempt.candidate_name),
        email=audience.candidate_email(attempt.candidate_email),
        reviewable=attempt.status is AttemptStatus.SUBMITTED,
        items=tuple(items),
        notes=own.notes if own else "",
        decision=own.decision.value if own and own.decision else None,
        state=None if own is None else ("submitted" if own.submitted_at else "draft"),
        updated_at=own.updated_at if own else None,
        summary=review_summary(attempt.id, audience),
    )


def _card(review: Review, names, items: list[ItemFacts], user_id: int | None) -> Card:
    label = DECISIONS[review.decision.value] if review.decision else None
    return Card(
        reviewer=names[review.reviewer_id],
        mine=review.reviewer_id == user_id,
        submitted_at=review.submitted_at,
        decision=review.decision.value if review.decision else None,
        decision_label=label.text if label else "undecided",
        decision_tone=label.tone if label else "",
        notes=review.notes or "",
        totals=tuple(
            (i.title, rubric_total(review, i), i.rubric_points) for i in items if i.criteria
        ),
    )


def _attempt(attempt_id: int) -> Attempt:
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None:
        raise NotFound("No such attempt.")
    return attempt


def _reviews(attempt_id: int) -> list[Review]:
    return list(
        db.session.scalars(
            select(Review)
            .where(Review.attempt_id == attempt_id)
            .order_by(Review.submitted_at.is_(None), Review.submitted_at, Review.id)
        )
    )


def _names(reviews: list[Review]) -> dict[int, str]:
    ids = {r.reviewer_id for r in reviews}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())
