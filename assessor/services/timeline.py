"""An attempt's timeline, told in sentences: invitation, start, saves, runs, pastes, submission."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from assessor.kinds.service_options import LANGUAGES
from assessor.models import Attempt, AttemptEvent, Submission, SubmissionKind, SubmissionStatus


@dataclasses.dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    offset: str  # "+0:12:30" from the start, "" before it
    category: str  # invite, start, language, save, run, paste, focus, submit, finish, grade, other
    item_title: str | None
    sentence: str
    item_id: int | None = None
    revision: int | None = None  # a saved revision, opened in the revisions viewer


@dataclasses.dataclass(frozen=True)
class Saved:
    """A saved revision, with how many lines it added and removed since the previous one."""

    item_id: int
    revision: int
    at: datetime
    added: int
    removed: int


def build_timeline(
    attempt: Attempt,
    titles: Mapping[int, str],
    submissions: list[Submission],
    saves: list[Saved],
    inviter: str | None,
) -> tuple[TimelineEntry, ...]:
    """Return every entry of the attempt's timeline, oldest first."""
    runs = {s.id: s for s in submissions if s.kind is SubmissionKind.RUN}
    raw: list[tuple[datetime, str, int | None, str, int | None]] = [
        (attempt.created_at, "invite", None, f"Invited{f' by {inviter}' if inviter else ''}.", None)
    ]
    if attempt.opened_at:
        raw.append((attempt.opened_at, "invite", None, "Opened the invitation link.", None))
    for event in attempt.events:
        category, sentence = describe(event, runs)
        raw.append((event.at, category, event.item_id, sentence, None))
    for save in saves:
        change = f"{_lines(save.added)} added, {save.removed} removed"
        sentence = f"Saved revision {save.revision} ({change})."
        raw.append((save.at, "save", save.item_id, sentence, save.revision))
    for final in submissions:
        if final.kind is SubmissionKind.FINAL and final.outcome != "manual_review":
            graded = _graded(final)
            if graded:
                raw.append(
                    (final.finished_at or final.created_at, "grade", final.item_id, graded, None)
                )
    raw.sort(key=lambda r: r[0])
    return tuple(
        TimelineEntry(
            at,
            _offset(attempt, at),
            cat,
            titles.get(item_id) if item_id else None,
            text,
            item_id,
            rev,
        )
        for at, cat, item_id, text, rev in raw
    )


def describe(event: AttemptEvent, runs: Mapping[int, Submission]) -> tuple[str, str]:
    """Return an event's category and the sentence a reviewer reads."""
    data = event.data or {}
    known = _SENTENCES.get(event.kind)
    if known is not None:
        category, write = known
        return category, write(data, runs)
    words = event.kind.replace("_", " ").strip().capitalize() or "Event"
    details = "; ".join(f"{str(k).replace('_', ' ')}: {v}" for k, v in sorted(data.items()))
    return "other", f"{words}{f' ({details})' if details else ''}."


def _start(data: Mapping[str, Any], _runs) -> str:
    deadline = _instant(data.get("deadline_at"))
    if deadline is None:
        return "Started the assessment."
    return f"Started the assessment; the deadline was set to {deadline:%H:%M} UTC."


def _run(data: Mapping[str, Any], runs: Mapping[int, Submission]) -> str:
    run = runs.get(data.get("submission_id"))
    if run is None:
        return "Ran the public tests."
    if run.status is SubmissionStatus.GRADED and run.max_score:
        ending = (
            ""
            if run.outcome in (None, "completed")
            else f" (the run {run.outcome.replace('_', ' ')})"
        )
        return f"Ran the public tests: {run.score:g} of {run.max_score:g} points{ending}."
    if run.status is SubmissionStatus.ERROR:
        return "Ran the public tests; the run could not be graded."
    return f"Ran the public tests (run {run.status.value})."


def _paste(data: Mapping[str, Any], _runs) -> str:
    size = data.get("size")
    return (
        f"Pasted {size:,} characters into the editor." if isinstance(size, int) else "Pasted text."
    )


def _back(data: Mapping[str, Any], _runs) -> str:
    away = data.get("away_ms")
    if isinstance(away, int | float) and not isinstance(away, bool):
        seconds = round(away / 1000)
        return (
            f"Came back after {seconds // 60} min {seconds % 60} s."
            if seconds >= 60
            else f"Came back after {seconds} s."
        )
    return "Came back to the page."


def _language(data: Mapping[str, Any], _runs) -> str:
    name = str(data.get("language") or "")
    return f"Chose {LANGUAGES.get(name, name or 'a language')} as the language of this challenge."


def _finish(data: Mapping[str, Any], _runs) -> str:
    if data.get("reason") == "deadline":
        return "Time ran out; the server submitted the work."
    return "Finished the assessment and submitted every challenge."


_SENTENCES: dict[str, tuple[str, Callable[[Mapping[str, Any], Mapping[int, Submission]], str]]] = {
    "start": ("start", _start),
    "run": ("run", _run),
    "paste": ("paste", _paste),
    "focus_lost": ("focus", lambda _d, _r: "Left the assessment page."),
    "focus_regained": ("focus", _back),
    "submit_item": ("submit", lambda _d, _r: "Submitted this challenge as final."),
    "finish": ("finish", _finish),
    "language": ("language", _language),
    "invitation_expired": (
        "invite",
        lambda _d, _r: "The invitation expired before the candidate started.",
    ),
}


def _graded(final: Submission) -> str | None:
    if final.status is SubmissionStatus.GRADED and final.max_score:
        return f"Graded: {final.score:g} of {final.max_score:g} points."
    if final.status is SubmissionStatus.ERROR:
        return "Grading failed; the details are in the challenge's section."
    return None


def _lines(count: int) -> str:
    return f"{count} line" if count == 1 else f"{count} lines"


def _offset(attempt: Attempt, at: datetime) -> str:
    if attempt.started_at is None or at < attempt.started_at:
        return ""
    seconds = int((at - attempt.started_at).total_seconds())
    hours, rest = divmod(seconds, 3600)
    return f"+{hours}:{rest // 60:02d}:{rest % 60:02d}"


def _instant(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
