"""Saved revisions of a candidate's work, played back one step at a time with the change."""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select

from assessor.extensions import db
from assessor.models import Attempt, Draft, DraftSnapshot
from assessor.services import NotFound
from assessor.services.submissions import final_submission, item_of, starter_files
from assessor.services.timeline import Saved

MAX_LINES_COMPARED = 20_000  # per file: a huge paste must not stall the page on difflib


@dataclasses.dataclass(frozen=True)
class Step:
    revision: int  # 0 is the starter
    at: datetime | None
    added: int
    removed: int
    lines: int  # lines in all files at this revision: how far the code has grown


@dataclasses.dataclass(frozen=True)
class FileChange:
    path: str
    before: str
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after


@dataclasses.dataclass(frozen=True)
class Playback:
    attempt_id: int
    item_id: int
    item_title: str
    steps: tuple[Step, ...]
    current: Step
    previous: int | None
    next: int | None
    files: tuple[FileChange, ...]
    final_revision: int | None  # the revision the final submission was taken from


def playback(attempt_id: int, item_id: int, revision: int | None = None) -> Playback:
    """Return one step of an item's revisions (the latest by default) and its change."""
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None:
        raise NotFound("No such attempt.")
    item = item_of(attempt, item_id)
    versions = _versions(attempt.id, item)
    steps = _steps(versions)
    numbers = [s.revision for s in steps]
    index = numbers.index(revision) if revision in numbers else len(numbers) - 1
    before = versions[index - 1][2] if index else versions[0][2]
    after = versions[index][2]
    paths = list(dict.fromkeys([*item.version.editable, *before, *after]))
    final = final_submission(attempt.id, item.id)
    return Playback(
        attempt_id=attempt.id,
        item_id=item.id,
        item_title=item.version.title,
        steps=tuple(steps),
        current=steps[index],
        previous=numbers[index - 1] if index else None,
        next=numbers[index + 1] if index + 1 < len(numbers) else None,
        files=tuple(FileChange(p, before.get(p, ""), after.get(p, "")) for p in paths),
        final_revision=final.draft_revision if final is not None else None,
    )


def saves_of(attempt: Attempt) -> list[Saved]:
    """Return every saved revision of the attempt with its added and removed lines."""
    saves = []
    for item in attempt.assessment.items:
        versions = _versions(attempt.id, item)
        saves += [
            Saved(item.id, s.revision, s.at, s.added, s.removed)
            for s in _steps(versions)
            if s.revision > 0
        ]
    return saves


def _versions(attempt_id: int, item) -> list[tuple[int, datetime | None, Mapping[str, str]]]:
    versions = [(0, None, starter_files(item.version))]
    draft = db.session.scalar(
        select(Draft).where(Draft.attempt_id == attempt_id, Draft.item_id == item.id)
    )
    if draft is not None:
        snapshots = db.session.scalars(
            select(DraftSnapshot)
            .where(DraftSnapshot.draft_id == draft.id)
            .order_by(DraftSnapshot.revision)
        )
        versions += [(s.revision, s.created_at, s.files or {}) for s in snapshots]
    return versions


def _steps(versions) -> list[Step]:
    steps = []
    for index, (revision, at, files) in enumerate(versions):
        added = removed = 0
        if index:
            previous = versions[index - 1][2]
            for path in dict.fromkeys([*previous, *files]):
                more, less = line_changes(previous.get(path, ""), files.get(path, ""))
                added, removed = added + more, removed + less
        lines = sum(len(text.splitlines()) for text in files.values())
        steps.append(Step(revision, at, added, removed, lines))
    return steps


def line_changes(before: str, after: str) -> tuple[int, int]:
    """Count the lines added and removed going from `before` to `after`."""
    if before == after:
        return 0, 0
    old = before.splitlines()[:MAX_LINES_COMPARED]
    new = after.splitlines()[:MAX_LINES_COMPARED]
    added = removed = 0
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op != "equal":
            removed += i2 - i1
            added += j2 - j1
    return added, removed
