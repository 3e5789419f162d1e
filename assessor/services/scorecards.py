"""Scorecard arithmetic: rubric totals, a manual challenge's percent, and the reviewers' spread."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from statistics import fmean
from typing import Any

from assessor.kinds import Scoring
from assessor.models import AssessmentItem, Review
from assessor.services.labels import DECISION_SCALE, DECISIONS


@dataclasses.dataclass(frozen=True)
class Criterion:
    id: str
    title: str
    points: float
    guidance: str


@dataclasses.dataclass(frozen=True)
class ItemFacts:
    """What scoring needs to know of one challenge of an assessment."""

    id: int
    position: int
    title: str
    description: str  # the kind's, for staff
    weight: float
    manual: bool  # scored by reviewers with the rubric, not by tests
    criteria: tuple[Criterion, ...]
    skill: str  # where a manual challenge's points count: the challenge's first skill
    skills: tuple[str, ...]  # every skill the challenge scores, in order

    @property
    def rubric_points(self) -> float:
        return sum(c.points for c in self.criteria)


def item_facts(item: AssessmentItem) -> ItemFacts:
    """Read one assessment item's pinned version into plain facts."""
    version = item.version
    plugin = version.kind_plugin
    criteria = tuple(
        Criterion(str(c["id"]), str(c["title"]), float(c["points"]), str(c.get("guidance", "")))
        for c in version.rubric or []
    )
    skill = (version.skills or ["general"])[0]
    if plugin.scoring is Scoring.MANUAL:
        skills: tuple[str, ...] = (skill,)
    else:
        skills = tuple(dict.fromkeys(str(e["skill"]) for e in version.manifest or []))
    return ItemFacts(
        id=item.id,
        position=item.position,
        title=version.title,
        description=plugin.description,
        weight=item.weight,
        manual=plugin.scoring is Scoring.MANUAL,
        criteria=criteria,
        skill=skill,
        skills=skills,
    )


def scored(review: Review, item: ItemFacts) -> Mapping[str, Any]:
    """Return a scorecard's points for one challenge, by criterion id."""
    return (review.rubric_scores or {}).get(str(item.id), {})


def rubric_total(review: Review, item: ItemFacts) -> float | None:
    """Sum a scorecard's points on one challenge; None unless every criterion is scored."""
    points = scored(review, item)
    if not item.criteria or any(points.get(c.id) is None for c in item.criteria):
        return None
    return float(sum(points[c.id] for c in item.criteria))


def manual_points(item: ItemFacts, reviews: Iterable[Review]) -> float | None:
    """Return the mean rubric total of the submitted scorecards that scored the challenge whole."""
    totals = [
        t
        for r in reviews
        if r.submitted_at is not None and (t := rubric_total(r, item)) is not None
    ]
    return fmean(totals) if totals else None


def manual_percent(item: ItemFacts, reviews: Iterable[Review]) -> float | None:
    """Return the challenge's percent: the mean scorecard total over the rubric's points."""
    points = manual_points(item, reviews)
    if points is None or not item.rubric_points:
        return None
    return 100.0 * points / item.rubric_points


@dataclasses.dataclass(frozen=True)
class Spread:
    """Several reviewers' values of one thing: each one's, their mean and their range."""

    label: str
    out_of: float | None
    values: tuple[tuple[str, float | None], ...]  # (reviewer, value or None when left blank)
    mean: float | None
    low: float | None
    high: float | None

    @property
    def disagree(self) -> bool:
        """Tell whether reviewers are far apart: more than a third of the scale."""
        if self.low is None or self.high is None or not self.out_of:
            return False
        return (self.high - self.low) > self.out_of / 3


def spread(label: str, out_of: float | None, values: list[tuple[str, float | None]]) -> Spread:
    """Summarize reviewers' values; blanks are listed but left out of mean and range."""
    numbers = [v for _, v in values if v is not None]
    return Spread(
        label,
        out_of,
        tuple(values),
        fmean(numbers) if numbers else None,
        min(numbers) if numbers else None,
        max(numbers) if numbers else None,
    )


def criterion_spreads(
    item: ItemFacts, reviews: list[Review], names: Mapping[int, str]
) -> list[Spread]:
    """Return one spread per criterion, then one for the challenge's rubric total."""
    rows = [
        spread(
            c.title,
            c.points,
            [(names[r.reviewer_id], _number(scored(r, item).get(c.id))) for r in reviews],
        )
        for c in item.criteria
    ]
    totals = [(names[r.reviewer_id], rubric_total(r, item)) for r in reviews]
    rows.append(spread("Total", item.rubric_points, totals))
    return rows


def decision_spread(reviews: list[Review], names: Mapping[int, str]) -> dict[str, Any]:
    """Return each reviewer's decision, the count of each, and the spread on a -2..2 scale."""
    values = [(names[r.reviewer_id], r.decision.value if r.decision else None) for r in reviews]
    decided = [v for _, v in values if v]
    scale = spread("Decision", 4, [(n, DECISION_SCALE[v] if v else None) for n, v in values])
    return {
        "values": [
            {"reviewer": n, "decision": v, "label": DECISIONS[v].text if v else "undecided"}
            for n, v in values
        ],
        "counts": {k: decided.count(k) for k in DECISIONS if decided.count(k)},
        "split": any(DECISION_SCALE[v] < 0 for v in decided)
        and any(DECISION_SCALE[v] > 0 for v in decided),
        "mean": scale.mean,  # on the -2 (strong no) .. 2 (strong yes) scale
    }


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
