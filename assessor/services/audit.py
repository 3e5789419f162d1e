"""Record staff actions in the append-only audit log, and search it newest first."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from assessor.extensions import db
from assessor.models import AuditEvent, User
from assessor.services.audit_text import AuditEntry, action_label, describe

PAGE_SIZE = 50


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


# --- Reading the log ---------------------------------------------------------------------------

NO_ACTOR = "none"  # the `actor` filter value for entries no staff member made (CLI, system)


@dataclass(frozen=True)
class AuditQuery:
    """Filters of the audit page; every field is optional."""

    actor: str = ""  # a user id, NO_ACTOR, or "" for anyone
    action: str = ""  # "user.create", or a family such as "user.*"
    since: date | None = None  # first day included (UTC)
    until: date | None = None  # last day included (UTC)
    target_type: str = ""
    target_id: str = ""
    before: int | None = None  # keyset paging: entries older than this id ...
    after: int | None = None  # ... or newer than this one
    limit: int = PAGE_SIZE


@dataclass(frozen=True)
class AuditPage:
    entries: list[AuditEntry]
    newer: int | None  # pass as `after` for the newer page; None on the newest page
    older: int | None  # pass as `before` for the older page; None on the oldest page


def search(query: AuditQuery) -> AuditPage:
    """Return one page of entries matching the filters, newest first."""
    limit = max(1, min(query.limit, 200))
    stmt = _filtered(query)
    if query.after is not None:
        stmt = stmt.where(AuditEvent.id > query.after).order_by(AuditEvent.id.asc())
    else:
        if query.before is not None:
            stmt = stmt.where(AuditEvent.id < query.before)
        stmt = stmt.order_by(AuditEvent.id.desc())
    events = list(db.session.scalars(stmt.limit(limit + 1)))
    more = len(events) > limit
    events = events[:limit]
    if query.after is not None:
        events.reverse()
    entries = describe(events)
    if not entries:
        return AuditPage([], None, None)
    first, last = entries[0].id, entries[-1].id
    if query.after is not None:
        newer = first if more else None
        older = last if _exists(replace(query, after=None, before=last)) else None
    else:
        older = last if more else None
        newer = first if query.before is not None and _exists(_newer_than(query, first)) else None
    return AuditPage(entries, newer, older)


def _newer_than(query: AuditQuery, event_id: int) -> AuditQuery:
    return replace(query, before=None, after=event_id)


def _exists(query: AuditQuery) -> bool:
    stmt = _filtered(query).with_only_columns(AuditEvent.id)
    if query.after is not None:
        stmt = stmt.where(AuditEvent.id > query.after)
    if query.before is not None:
        stmt = stmt.where(AuditEvent.id < query.before)
    return db.session.scalar(stmt.limit(1)) is not None


def _filtered(query: AuditQuery):
    stmt = select(AuditEvent)
    if query.actor == NO_ACTOR:
        stmt = stmt.where(AuditEvent.actor_id.is_(None))
    elif query.actor:
        stmt = stmt.where(AuditEvent.actor_id == _int(query.actor))
    if query.action.endswith(".*"):
        family = query.action[:-1].replace("\\", "").replace("%", "").replace("_", r"\_")
        stmt = stmt.where(AuditEvent.action.like(f"{family}%", escape="\\"))
    elif query.action:
        stmt = stmt.where(AuditEvent.action == query.action)
    if query.since is not None:
        stmt = stmt.where(AuditEvent.at >= datetime.combine(query.since, time.min, UTC))
    if query.until is not None:
        next_day = datetime.combine(query.until + timedelta(days=1), time.min, UTC)
        stmt = stmt.where(AuditEvent.at < next_day)
    if query.target_type:
        stmt = stmt.where(AuditEvent.target_type == query.target_type)
    if query.target_id:
        stmt = stmt.where(AuditEvent.target_id == query.target_id.strip())
    return stmt


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        return -1  # matches no one


@dataclass(frozen=True)
class AuditOptions:
    """The choices of the filter form, from what the log holds."""

    actors: list[tuple[str, str]]  # (value, label)
    actions: list[tuple[str, str]]
    target_types: list[str]


def options() -> AuditOptions:
    """Return who acted, which actions and which kinds of object appear in the log."""
    acted = select(AuditEvent.actor_id).where(AuditEvent.actor_id.is_not(None)).distinct()
    people = db.session.execute(
        select(User.id, User.name, User.email).where(User.id.in_(acted)).order_by(User.name)
    ).all()
    actors = [(str(i), f"{name} ({email})") for i, name, email in people]
    actors.append((NO_ACTOR, "No staff member (command line, system, failed sign-ins)"))
    names = sorted(db.session.scalars(select(AuditEvent.action).distinct()))
    families = sorted({n.split(".")[0] for n in names if "." in n})
    actions = [(f"{f}.*", f"{f}: every action") for f in families]
    actions += [(n, action_label(n)) for n in names]
    kinds = db.session.scalars(
        select(AuditEvent.target_type).where(AuditEvent.target_type.is_not(None)).distinct()
    )
    target_types = sorted(kinds)
    return AuditOptions(actors, actions, target_types)
