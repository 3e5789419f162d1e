"""Library syncs as recorded runs: requested from the web or the CLI, run by a worker, followed.

A sync runs every new version's reference solution in the sandbox, which takes minutes, so the
web asks a worker (which also has the sandbox) to do it and a page follows the run. A run lives
in the audit log, append-only: its request, its start, one entry per folder and its end. The
page reads them back; nothing else holds its state, and the audit log shows who synced what.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

import sandbox
from assessor.extensions import db
from assessor.models import AuditEvent, User, utcnow
from assessor.services import Conflict, NotFound, audit, catalog
from assessor.services.signals import library_sync_requested

REQUEST, START, FOLDER = "library.sync.request", "library.sync.start", "library.sync.folder"
FINISH, FAIL = "library.sync.finish", "library.sync.fail"
TARGET_TYPE = "librarysync"
# One folder's reference run is capped by its limits (timeout_s <= 300); a run silent for
# this long lost its worker, and no longer blocks a new sync.
STALL_AFTER = timedelta(minutes=15)
ACTIVE = ("queued", "running")
# One wording for the page and its live updates (the script reads these from the page):
# value -> (label, badge tone[, plural]).
ACTION_LABELS = {
    "created": ("new challenge", "ok", "new challenges"),
    "new_version": ("new version", "ok", "new versions"),
    "unchanged": ("unchanged", "", "unchanged"),
    "retired": ("retired", "warn", "retired"),
    "invalid": ("invalid folder", "bad", "invalid folders"),
    "reference_failed": ("reference solution failed", "bad", "failed reference runs"),
}
STATE_LABELS = {
    "queued": ("waiting for a worker", "warn"),
    "running": ("running", "warn"),
    "finished": ("finished", "ok"),
    "failed": ("failed", "bad"),
    "stalled": ("stalled", "bad"),
    "skipped": ("skipped", ""),
}


@dataclasses.dataclass(frozen=True)
class LibrarySync:
    """A run as the target of its audit entries (shown as `librarysync #id`)."""

    id: int


class SyncInProgress(Conflict):
    """Another sync is queued or running; its id says which."""

    def __init__(self, run_id: int) -> None:
        self.run_id = run_id
        super().__init__(f"Library sync #{run_id} is already under way.")


@dataclasses.dataclass(frozen=True)
class FolderResult:
    slug: str
    action: str  # created | new_version | unchanged | retired | invalid | reference_failed
    detail: str
    version_id: int | None

    @property
    def ok(self) -> bool:
        return self.action not in ("invalid", "reference_failed")


@dataclasses.dataclass(frozen=True)
class SyncRun:
    id: int
    source: str  # web | cli
    requested_at: datetime
    requested_by: str | None
    actor_id: int | None
    state: str  # queued | running | finished | failed | stalled | skipped
    last_event_at: datetime
    folders: tuple[str, ...] = ()
    results: tuple[FolderResult, ...] = ()
    error: str = ""
    finished_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.state in ACTIVE

    @property
    def done(self) -> int:
        return sum(1 for r in self.results if r.action != "retired")

    @property
    def current(self) -> str | None:
        """The folder being synced now: the first of the list without a result yet."""
        if self.state != "running" or self.done >= len(self.folders):
            return None
        return self.folders[self.done]

    @property
    def counts(self) -> dict[str, int]:
        return dict(Counter(r.action for r in self.results))

    @property
    def errors(self) -> tuple[FolderResult, ...]:
        return tuple(r for r in self.results if not r.ok)

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["results"] = [dataclasses.asdict(r) | {"ok": r.ok} for r in self.results]
        for key in ("requested_at", "last_event_at", "finished_at"):
            data[key] = data[key].isoformat() if data[key] else None
        data |= {"active": self.active, "done": self.done, "total": len(self.folders)}
        return data | {"current": self.current, "counts": self.counts}


def request_sync(*, actor_id: int | None, ip: str | None = None, source: str = "web") -> int:
    """Record a sync request and hand it to a worker; refuse while another is under way."""
    active = active_run()
    if active is not None:
        raise SyncInProgress(active.id)
    run_id = _open(actor_id, ip, source)
    library_sync_requested.send(run_id)
    return run_id


def sync_now(
    root: str | Path,
    backend: sandbox.Backend,
    image: str,
    *,
    folders: list[Path] | None = None,
    retire: bool = True,
    progress: Callable[[str], None] = lambda _: None,
    actor_id: int | None = None,
) -> list[catalog.SyncOutcome]:
    """Sync in this process (the CLI), recorded like a worker's run; refuse beside a running one."""
    running = [r for r in recent_runs(5) if r.state == "running"]
    if running:
        raise SyncInProgress(running[0].id)
    run_id = _open(actor_id, None, "cli")
    return execute(run_id, root, backend, image, folders=folders, retire=retire, progress=progress)


def execute(
    run_id: int,
    root: str | Path,
    backend: sandbox.Backend,
    image: str,
    *,
    folders: list[Path] | None = None,
    retire: bool = True,
    progress: Callable[[str], None] = lambda _: None,
) -> list[catalog.SyncOutcome]:
    """Run a requested sync with catalog.sync_all, the CLI's code, recording each folder."""
    run = get_run(run_id)
    if run.state != "queued":
        return []  # delivered twice, or given up on: never sync the same request twice
    other = next((r for r in recent_runs(5) if r.state == "running" and r.id != run_id), None)
    if other is not None:
        _append(FINISH, run, {"skipped": True, "reason": f"library sync #{other.id} was running"})
        return []
    chosen = folders if folders is not None else catalog.challenge_folders(root)
    _append(START, run, {"folders": [f.name for f in chosen], "retire": retire and not folders})
    try:
        outcomes = catalog.sync_all(
            root,
            backend,
            image,
            folders=folders,
            retire=retire,
            progress=progress,
            on_outcome=lambda o: _append(FOLDER, run, _folder_data(o)),
            actor_id=run.actor_id,
        )
    except Exception as exc:
        db.session.rollback()
        _append(FAIL, run, {"error": f"{type(exc).__name__}: {exc}"[:2000]})
        raise
    _append(FINISH, run, {"counts": dict(Counter(o.action for o in outcomes))})
    return outcomes


def get_run(run_id: int) -> SyncRun:
    """Return one run, read back from its audit entries."""
    runs = _runs([run_id])
    if not runs:
        raise NotFound("No such library sync.")
    return runs[0]


def recent_runs(limit: int = 20) -> list[SyncRun]:
    """Return the latest runs, newest first."""
    ids = db.session.scalars(
        select(AuditEvent.id)
        .where(AuditEvent.action == REQUEST)
        .order_by(AuditEvent.id.desc())
        .limit(limit)
    ).all()
    return _runs(list(ids))


def active_run() -> SyncRun | None:
    """Return the run queued or running now, if any (a stalled one does not count)."""
    return next((r for r in recent_runs(5) if r.active), None)


def last_completed_run() -> SyncRun | None:
    """Return the newest run that went through every folder (its report is the library's state)."""
    return next((r for r in recent_runs(20) if r.state == "finished"), None)


def _open(actor_id: int | None, ip: str | None, source: str) -> int:
    event = audit.record(REQUEST, actor_id=actor_id, ip=ip, source=source)
    db.session.flush()
    event.target_type, event.target_id = TARGET_TYPE, str(event.id)
    db.session.commit()
    return event.id


def _folder_data(outcome: catalog.SyncOutcome) -> dict[str, Any]:
    # "outcome", not "action": an audit entry's own action is the event's name.
    return {
        "slug": outcome.slug,
        "outcome": outcome.action,
        "version_id": outcome.version_id,
        "detail": outcome.detail[:4000],
    }


def _append(event: str, run: SyncRun, data: dict[str, Any]) -> None:
    audit.record(event, actor_id=run.actor_id, target=LibrarySync(run.id), **data)
    db.session.commit()


def _runs(ids: list[int]) -> list[SyncRun]:
    if not ids:
        return []
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.target_type == TARGET_TYPE)
        .where(AuditEvent.target_id.in_([str(i) for i in ids]))
        .order_by(AuditEvent.id)
    ).all()
    by_run: dict[int, list[AuditEvent]] = {}
    for event in events:
        by_run.setdefault(int(event.target_id), []).append(event)
    actors = {e.actor_id for e in events if e.actor_id is not None}
    names = dict(db.session.execute(select(User.id, User.name).where(User.id.in_(actors))).all())
    return [_fold(by_run[i], names) for i in sorted(by_run, reverse=True)]


def _fold(events: list[AuditEvent], names: dict[int, str]) -> SyncRun:
    """Replay a run's entries into its current state."""
    request = events[0]
    state, folders, results, error, finished = "queued", (), [], "", None
    for event in events[1:]:
        data = event.data or {}
        if event.action == START:
            state, folders = "running", tuple(data.get("folders", ()))
        elif event.action == FOLDER:
            results.append(
                FolderResult(
                    data.get("slug", "?"),
                    data.get("outcome", "?"),
                    data.get("detail", ""),
                    data.get("version_id"),
                )
            )
        elif event.action == FINISH:
            state, finished = ("skipped" if data.get("skipped") else "finished"), event.at
            error = data.get("reason", "")
        elif event.action == FAIL:
            state, finished, error = "failed", event.at, data.get("error", "")
    last = events[-1].at
    if state in ACTIVE and utcnow() - last > STALL_AFTER:
        state = "stalled"
    return SyncRun(
        id=request.id,
        source=(request.data or {}).get("source", "web"),
        requested_at=request.at,
        requested_by=names.get(request.actor_id),
        actor_id=request.actor_id,
        state=state,
        last_event_at=last,
        folders=folders,
        results=tuple(results),
        error=error,
        finished_at=finished,
    )
