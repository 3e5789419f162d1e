"""Integrity signals of attempts: pastes, time away from the page, flags of the static scan.

Signals are for a person to look at, never verdicts on their own.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from assessor.extensions import db
from assessor.models import AssessmentItem, AttemptEvent, Submission, SubmissionKind


@dataclasses.dataclass(frozen=True)
class Flag:
    item_title: str
    code: str
    path: str | None
    line: int | None
    message: str


@dataclasses.dataclass(frozen=True)
class Integrity:
    pastes: int = 0
    largest_paste: int = 0
    focus_losses: int = 0
    away_seconds: float = 0.0
    flags: tuple[Flag, ...] = ()

    @property
    def count(self) -> int:
        """Return how many signals there are in all."""
        return self.pastes + self.focus_losses + len(self.flags)

    @property
    def kinds(self) -> tuple[str, ...]:
        """Name the kinds of signal present, e.g. ("paste", "left page", "patches_builtins")."""
        names = []
        if self.pastes:
            names.append("paste")
        if self.focus_losses:
            names.append("left page")
        names += sorted({f.code for f in self.flags})
        return tuple(names)


def integrity_of(attempt_ids: list[int]) -> dict[int, Integrity]:
    """Return each attempt's integrity signals, with two queries for all of them."""
    events: dict[int, list[AttemptEvent]] = {}
    for event in db.session.scalars(
        select(AttemptEvent)
        .where(
            AttemptEvent.attempt_id.in_(attempt_ids),
            AttemptEvent.kind.in_(("paste", "focus_lost", "focus_regained")),
        )
        .order_by(AttemptEvent.id)
    ):
        events.setdefault(event.attempt_id, []).append(event)
    flags: dict[int, list[Flag]] = {}
    finals = db.session.execute(
        select(Submission.attempt_id, Submission.flags, AssessmentItem)
        .join(AssessmentItem, AssessmentItem.id == Submission.item_id)
        .where(Submission.attempt_id.in_(attempt_ids), Submission.kind == SubmissionKind.FINAL)
        .order_by(AssessmentItem.position)
    )
    for attempt_id, raw, item in finals:
        flags.setdefault(attempt_id, []).extend(
            _flag(item.version.title, f) for f in raw or [] if isinstance(f, Mapping)
        )
    return {a: _summarize(events.get(a, []), tuple(flags.get(a, []))) for a in attempt_ids}


def _summarize(events: list[AttemptEvent], flags: tuple[Flag, ...]) -> Integrity:
    pastes = [_whole((e.data or {}).get("size")) for e in events if e.kind == "paste"]
    away = [_whole((e.data or {}).get("away_ms")) for e in events if e.kind == "focus_regained"]
    return Integrity(
        pastes=len(pastes),
        largest_paste=max(pastes, default=0),
        focus_losses=sum(1 for e in events if e.kind == "focus_lost"),
        away_seconds=sum(away) / 1000,
        flags=flags,
    )


def _flag(title: str, data: Mapping[str, Any]) -> Flag:
    line = data.get("line")
    return Flag(
        item_title=title,
        code=str(data.get("code", "flag")),
        path=str(data["path"]) if data.get("path") else None,
        line=line if isinstance(line, int) and not isinstance(line, bool) else None,
        message=str(data.get("message", "")),
    )


def _whole(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0
