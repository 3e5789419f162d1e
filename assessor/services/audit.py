"""Record staff actions in the append-only audit log."""

from __future__ import annotations

from typing import Any

from assessor.extensions import db
from assessor.models import AuditEvent


def record(
    action: str,
    *,
    actor_id: int | None = None,
    target: Any = None,
    ip: str | None = None,
    **data: Any,
) -> AuditEvent:
    """Add an audit event to the session; the caller's transaction commits it."""
    event = AuditEvent(
        action=action,
        actor_id=actor_id,
        target_type=type(target).__name__.lower() if target is not None else None,
        target_id=str(target.id) if target is not None and target.id is not None else None,
        ip=ip,
        data=data,
    )
    db.session.add(event)
    return event
