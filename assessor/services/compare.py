"""Compare an assessment's candidates side by side, sorted by any column; export it as CSV.

Every figure comes from the progress service and is rounded by scoring.round_percent, so the
page, the CSV and the dashboard agree.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from assessor.extensions import db
from assessor.models import Assessment
from assessor.services import NotFound
from assessor.services.audience import EVERYONE, Audience
from assessor.services.dashboard import AssessmentView, assessment_view, row_view
from assessor.services.integrity import integrity_of
from assessor.services.labels import DECISION_SCALE, STATUSES
from assessor.services.progress import assessment_progress

ORDER = list(STATUSES)


@dataclasses.dataclass(frozen=True)
class Column:
    key: str  # the `sort` value: candidate, status, item-<id>, skill-<name>, total, time, ...
    label: str
    numeric: bool


@dataclasses.dataclass(frozen=True)
class Comparison:
    assessment: AssessmentView
    columns: tuple[Column, ...]
    rows: tuple[dict[str, Any], ...]  # a dashboard row plus integrity and sort values
    sort: str
    descending: bool
    not_started: int  # invited candidates who have not started, left out of the table
    identities_hidden: bool


def columns_of(view: AssessmentView) -> tuple[Column, ...]:
    """Return the table's columns in order."""
    return (
        Column("candidate", "Candidate", False),
        Column("status", "Status", False),
        *(Column(f"item-{i.id}", i.title, True) for i in view.items),
        *(Column(f"skill-{s}", s, True) for s in view.skills),
        Column("total", "Total", True),
        Column("time", "Time used", True),
        Column("signals", "Integrity signals", True),
        Column("decision", "Decisions", True),
    )


def comparison(
    assessment_id: int,
    audience: Audience = EVERYONE,
    *,
    sort: str = "total",
    descending: bool = True,
) -> Comparison:
    """Return every candidate who started, with their figures, sorted by one column."""
    if db.session.get(Assessment, assessment_id) is None:
        raise NotFound("No such assessment.")
    view = assessment_view(assessment_id)
    columns = columns_of(view)
    if sort not in {c.key for c in columns}:
        sort, descending = "total", True
    progress = assessment_progress(assessment_id, audience)
    started = [r for r in progress if r.has_report]
    signals = integrity_of([r.id for r in started])
    rows = []
    for row in started:
        data = row_view(row, view.skills)
        found = signals[row.id]
        data.update(signals=found.count, signal_kinds=list(found.kinds))
        data["sort"] = _sort_values(data, view)
        rows.append(data)
    return Comparison(
        assessment=view,
        columns=columns,
        rows=tuple(_sorted(rows, sort, descending)),
        sort=sort,
        descending=descending,
        not_started=len(progress) - len(started),
        identities_hidden=not audience.sees_identity,
    )


def _sort_values(row: dict[str, Any], view: AssessmentView) -> dict[str, Any]:
    decisions = [DECISION_SCALE[d["value"]] for d in row["decisions"]]
    values: dict[str, Any] = {
        "candidate": row["candidate_name"].casefold(),
        "status": ORDER.index(row["status"]),
        "total": row["percent"],
        "time": row["time_used_seconds"],
        "signals": row["signals"],
        "decision": sum(decisions) / len(decisions) if decisions else None,
    }
    values |= {f"item-{c['item_id']}": c["percent"] for c in row["items"]}
    values |= {f"skill-{s['skill']}": s["percent"] for s in row["skills"]}
    return values


def _sorted(rows: list[dict[str, Any]], sort: str, descending: bool) -> list[dict[str, Any]]:
    """Sort by one column, ties by candidate; rows without a value go last either way."""
    rows = sorted(rows, key=lambda r: r["sort"]["candidate"])
    present = [r for r in rows if r["sort"][sort] is not None]
    present.sort(key=lambda r: r["sort"][sort], reverse=descending)  # stable: ties stay by name
    return present + [r for r in rows if r["sort"][sort] is None]
