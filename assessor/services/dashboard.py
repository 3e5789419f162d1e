"""An assessment's dashboard as plain data: the page renders it and the live JSON sends it.

Both read the same dictionaries, so a label, a rounded percent or a deadline can never read one
way on the page and another after a live update.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from assessor.extensions import db
from assessor.models import Assessment
from assessor.services import NotFound
from assessor.services.audience import EVERYONE, Audience
from assessor.services.labels import (
    DECISIONS,
    ITEM_STATES,
    STATUSES,
    TOTALS,
    duration_text,
    time_left_text,
    when,
)
from assessor.services.progress import AttemptRow, assessment_progress, score_histogram
from assessor.services.scorecards import ItemFacts, item_facts
from assessor.services.scoring import percent_text, round_percent

BAR_WIDTH, BAR_GAP, BAR_HEIGHT = 34, 40, 120  # the histogram's geometry, in SVG units


@dataclasses.dataclass(frozen=True)
class AssessmentView:
    id: int
    title: str
    description: str
    duration_minutes: int
    status: str
    blind_review: bool
    hide_identity: bool
    pinned_at: datetime | None
    items: tuple[ItemFacts, ...]
    versions: tuple[str, ...]  # each item's version hash, shortened
    skills: tuple[str, ...]


@dataclasses.dataclass(frozen=True)
class Dashboard:
    assessment: AssessmentView
    rows: list[dict[str, Any]]
    histogram: dict[str, Any]
    pending: bool


def assessment_view(assessment_id: int) -> AssessmentView:
    """Describe an assessment for staff pages."""
    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None:
        raise NotFound("No such assessment.")
    items = tuple(item_facts(i) for i in assessment.items)
    return AssessmentView(
        id=assessment.id,
        title=assessment.title,
        description=assessment.description or "",
        duration_minutes=assessment.duration_minutes,
        status=assessment.status.value,
        blind_review=assessment.blind_review,
        hide_identity=assessment.hide_identity,
        pinned_at=assessment.pinned_at,
        items=items,
        versions=tuple(i.version.content_hash[:10] for i in assessment.items),
        skills=tuple(dict.fromkeys(s for item in items for s in item.skills)),
    )


def dashboard(assessment_id: int, audience: Audience = EVERYONE) -> Dashboard:
    """Gather the dashboard of one assessment as its reader may see it."""
    view = assessment_view(assessment_id)
    rows = assessment_progress(assessment_id, audience)
    return Dashboard(
        assessment=view,
        rows=[row_view(row, view.skills) for row in rows],
        histogram=histogram_view(score_histogram(rows)),
        pending=any(row.grading_pending for row in rows),
    )


def row_view(row: AttemptRow, skills: tuple[str, ...]) -> dict[str, Any]:
    """Turn a progress row into the words and figures a person reads."""
    status, total = STATUSES[row.status], TOTALS[row.total_state]
    data = row.to_dict()
    data.update(
        status_label=status.text,
        status_tone=status.tone,
        status_detail=time_left_text(row.time_left_seconds),
        deadline_text=when(row.deadline_at),
        time_used_text=duration_text(row.time_used_seconds),
        items=[
            {
                "item_id": s.item_id,
                "state": s.state,
                "label": ITEM_STATES[s.state].text,
                "tone": ITEM_STATES[s.state].tone,
                "percent": round_percent(s.percent),
                "text": percent_text(s.percent, ""),
            }
            for s in row.items
        ],
        skills=[
            {
                "skill": skill,
                "percent": round_percent(row.skill_percent(skill)),
                "text": percent_text(row.skill_percent(skill)),
            }
            for skill in skills
        ],
        # The dashboard's cell lists only the skills with a score so far.
        skill_scores=[
            {"skill": skill, "percent": round_percent(pct), "text": percent_text(pct)}
            for skill in skills
            if (pct := row.skill_percent(skill)) is not None
        ],
        percent=row.shown_percent,
        total_text=percent_text(row.percent) if row.total_state == "final" else total.text,
        total_tone=total.tone,
        decisions=[
            {"value": d, "label": DECISIONS[d].text, "tone": DECISIONS[d].tone}
            for d in row.decisions
        ],
        # Said when there is no decision to show: none yet, or hidden by blind review.
        decision_note="hidden until you review" if row.reviews_hidden else "—",
        has_report=row.has_report,
    )
    return data


def histogram_view(counts: list[int]) -> dict[str, Any]:
    """Lay out the histogram's bars once, for the page and for the live update alike."""
    peak = max(counts, default=0)
    step = 100 // max(len(counts), 1)
    bars = []
    for index, count in enumerate(counts):
        height = round(count / peak * BAR_HEIGHT) if peak else 0
        bars.append(
            {
                "x": 10 + index * BAR_GAP,
                "y": 140 - height,
                "height": height,
                "count": count,
                "title": f"{index * step} to {index * step + step}%: {count}",
            }
        )
    return {"bars": bars, "total": sum(counts), "width": BAR_WIDTH}
