"""The words staff read for statuses, states and decisions: one map for pages, JSON and JS."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from assessor.models import Decision


@dataclasses.dataclass(frozen=True)
class Label:
    text: str
    tone: str  # a badge class: "" (neutral), "info", "ok", "warn" or "bad"

    def to_dict(self) -> dict[str, str]:
        return {"text": self.text, "tone": self.tone}


# A candidate's status on the dashboard, in the order a round moves through them.
STATUSES: dict[str, Label] = {
    "invited": Label("invited", ""),
    "opened": Label("opened the link", "info"),
    "in_progress": Label("in progress", "warn"),
    "submitted": Label("submitted", "info"),
    "grading": Label("grading", "warn"),
    "grading_failed": Label("grading failed", "bad"),
    "graded": Label("graded", "ok"),
    "reviewed": Label("reviewed", "ok"),
    "decided": Label("decided", "ok"),
    "expired": Label("invitation expired", "bad"),
    "revoked": Label("revoked", "bad"),
}

# One challenge of an attempt.
ITEM_STATES: dict[str, Label] = {
    "not_submitted": Label("not submitted", ""),
    "queued": Label("queued", "warn"),
    "running": Label("grading", "warn"),
    "graded": Label("graded", "ok"),
    "error": Label("grading failed", "bad"),
    "pending_review": Label("pending review", "warn"),
    "reviewed": Label("reviewed", "ok"),
    "hidden": Label("review hidden", "info"),
}

# What an attempt's total says when it is not (yet) a number.
TOTALS: dict[str, Label] = {
    "none": Label("—", ""),
    "grading": Label("grading…", "warn"),
    "grading_failed": Label("grading failed", "bad"),
    "pending_review": Label("pending review", "warn"),
    "hidden": Label("hidden until you submit your review", "info"),
    "final": Label("", "ok"),
}

DECISIONS: dict[str, Label] = {
    Decision.STRONG_NO.value: Label("strong no", "bad"),
    Decision.NO.value: Label("no", "bad"),
    Decision.YES.value: Label("yes", "ok"),
    Decision.STRONG_YES.value: Label("strong yes", "ok"),
}
# Decisions on a scale, for the spread of several reviewers (mean, min to max).
DECISION_SCALE = {"strong_no": -2, "no": -1, "yes": 1, "strong_yes": 2}


def label_map() -> dict[str, Any]:
    """Return every map as plain data, for JSON answers and the pages' data attributes."""
    return {
        "statuses": {k: v.to_dict() for k, v in STATUSES.items()},
        "items": {k: v.to_dict() for k, v in ITEM_STATES.items()},
        "totals": {k: v.to_dict() for k, v in TOTALS.items()},
        "decisions": {k: v.to_dict() for k, v in DECISIONS.items()},
    }


def when(moment: datetime | None) -> str:
    """Write an instant the way every staff page does, or a dash."""
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "—"


def duration_text(seconds: float | None) -> str:
    """Write a length of time in hours and minutes ("1 h 05 min", "12 min", "under 1 min")."""
    if seconds is None:
        return "—"
    minutes = int(max(seconds, 0) // 60)
    if minutes < 1:
        return "under 1 min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


def time_left_text(seconds: float | None) -> str:
    """Say how long a running attempt has left."""
    if seconds is None:
        return ""
    if seconds <= 0:
        return "time is up, submitting"
    return f"{duration_text(seconds)} left"
