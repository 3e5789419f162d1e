"""An attempt's report for reviewers: scores by skill, tests, code against the starter, timeline."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from sqlalchemy import select

from assessor.extensions import db
from assessor.models import (
    AssessmentItem,
    Attempt,
    AttemptEvent,
    Draft,
    DraftSnapshot,
    Submission,
    SubmissionKind,
)
from assessor.services import NotFound
from assessor.services.progress import attempt_progress


@dataclasses.dataclass(frozen=True)
class CodeFile:
    path: str
    text: str
    starter: str

    @property
    def changed(self) -> bool:
        return self.text != self.starter


@dataclasses.dataclass(frozen=True)
class ItemReport:
    item: AssessmentItem
    final: Submission | None
    files: tuple[CodeFile, ...]
    runs: int
    saves: int


@dataclasses.dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str
    item_title: str | None
    detail: str


@dataclasses.dataclass(frozen=True)
class AttemptReport:
    attempt: Attempt
    percent: float | None
    by_skill: dict[str, dict[str, float]]
    items: tuple[ItemReport, ...]
    timeline: tuple[TimelineEntry, ...]
    integrity: dict[str, Any]


def _describe(event: AttemptEvent) -> str:
    data = event.data or {}
    if event.kind == "paste":
        return f"pasted {data.get('size', '?')} characters"
    if event.kind == "focus_lost":
        return "left the page"
    if event.kind == "focus_regained":
        away = data.get("away_ms")
        return "came back" + (f" after {away / 1000:.0f}s" if isinstance(away, int | float) else "")
    if event.kind == "finish":
        return f"assessment ended ({data.get('reason', 'candidate')})"
    return ", ".join(f"{k}={v}" for k, v in sorted(data.items()))


def attempt_report(attempt_id: int) -> AttemptReport:
    """Gather everything a reviewer reads about one attempt."""
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None:
        raise NotFound("No such attempt.")
    titles = {item.id: item.version.title for item in attempt.assessment.items}
    submissions = db.session.scalars(
        select(Submission).where(Submission.attempt_id == attempt.id).order_by(Submission.id)
    ).all()
    drafts = {
        d.item_id: d
        for d in db.session.scalars(select(Draft).where(Draft.attempt_id == attempt.id))
    }
    items, by_skill = [], {}
    for item in attempt.assessment.items:
        final = next(
            (s for s in submissions if s.item_id == item.id and s.kind is SubmissionKind.FINAL),
            None,
        )
        starter = item.version.files.get("starter", {})
        editable = item.version.editable
        source = final.files if final else (drafts[item.id].files if item.id in drafts else {})
        files = tuple(
            CodeFile(p, source.get(p, starter.get(p, "")), starter.get(p, "")) for p in editable
        )
        draft = drafts.get(item.id)
        items.append(
            ItemReport(
                item=item,
                final=final,
                files=files,
                runs=sum(
                    1 for s in submissions if s.item_id == item.id and s.kind is SubmissionKind.RUN
                ),
                saves=draft.revision if draft else 0,
            )
        )
        if final is not None and final.skill_scores:
            for skill, bucket in final.skill_scores.items():
                total = by_skill.setdefault(skill, {"score": 0.0, "max": 0.0})
                total["score"] += bucket["score"]
                total["max"] += bucket["max"]
    timeline = [
        TimelineEntry(e.at, e.kind, titles.get(e.item_id), _describe(e)) for e in attempt.events
    ]
    timeline += [
        TimelineEntry(
            s.created_at,
            f"{s.kind.value}_submitted",
            titles.get(s.item_id),
            f"{s.status.value}"
            + (f", {s.score:g}/{s.max_score:g}" if s.score is not None and s.max_score else ""),
        )
        for s in submissions
    ]
    if drafts:
        snapshots = db.session.scalars(
            select(DraftSnapshot).where(DraftSnapshot.draft_id.in_([d.id for d in drafts.values()]))
        ).all()
        item_of_draft = {d.id: d.item_id for d in drafts.values()}
        timeline += [
            TimelineEntry(
                s.created_at,
                "saved",
                titles.get(item_of_draft[s.draft_id]),
                f"revision {s.revision}",
            )
            for s in snapshots
        ]
    timeline.sort(key=lambda e: e.at)
    row = attempt_progress(attempt)
    pastes = [e for e in attempt.events if e.kind == "paste"]
    integrity = {
        "pastes": len(pastes),
        "largest_paste": max((int((e.data or {}).get("size", 0)) for e in pastes), default=0),
        "focus_losses": sum(1 for e in attempt.events if e.kind == "focus_lost"),
        "flags": [
            (titles[s.item_id], f)
            for s in submissions
            if s.kind is SubmissionKind.FINAL
            for f in (s.flags or [])
        ],
    }
    return AttemptReport(attempt, row.percent, by_skill, tuple(items), tuple(timeline), integrity)
