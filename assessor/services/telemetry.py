"""Integrity telemetry from the candidate's browser: paste sizes and focus changes, nothing more."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select

from assessor.extensions import db
from assessor.models import AttemptEvent
from assessor.services import DomainError
from assessor.services.deadlines import ensure_open
from assessor.services.submissions import item_of, load_attempt

MAX_EVENTS_PER_ATTEMPT = 5000  # a scripted client must not bury the reviewer's timeline
MAX_PASTE_CHARS = 10_000_000
MAX_AWAY_MS = 7 * 24 * 3600 * 1000


class EventRejected(DomainError):
    """A telemetry event of an unknown kind or with bad data."""


def record_event(
    attempt_id: int, kind: str, *, item_id: int | None = None, data: Mapping[str, Any] | None = None
) -> bool:
    """Record a browser telemetry event; return False when the attempt's quota is spent."""
    attempt = load_attempt(attempt_id)
    ensure_open(attempt)
    clean = _clean_event(kind, data if data is not None else {})
    if item_id is not None:
        item_of(attempt, item_id)
    count = db.session.scalar(
        select(func.count(AttemptEvent.id)).where(AttemptEvent.attempt_id == attempt.id)
    )
    if count >= MAX_EVENTS_PER_ATTEMPT:
        db.session.rollback()
        return False
    db.session.add(AttemptEvent(attempt_id=attempt.id, item_id=item_id, kind=kind, data=clean))
    db.session.commit()
    return True


def _clean_event(kind: str, data: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(data, Mapping):
        raise EventRejected("event data must be an object")
    if kind == "paste":
        size = data.get("size")
        if not _whole(size, MAX_PASTE_CHARS):
            raise EventRejected("a paste event carries its size in characters, and nothing else")
        extra = set(data) - {"size"}
        if extra:
            # Never store pasted content, whatever a modified client sends.
            raise EventRejected(f"a paste event carries only its size, not {sorted(extra)}")
        return {"size": size}
    if kind == "focus_lost":
        if data:
            raise EventRejected("a focus_lost event carries no data")
        return {}
    if kind == "focus_regained":
        away = data.get("away_ms")
        if set(data) - {"away_ms"} or (away is not None and not _whole(away, MAX_AWAY_MS)):
            raise EventRejected("a focus_regained event carries only away_ms")
        return {} if away is None else {"away_ms": away}
    raise EventRejected("unknown event kind (known: paste, focus_lost, focus_regained)")


def _whole(value: Any, limit: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= limit
