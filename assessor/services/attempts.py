"""The candidate's side of an attempt: landing, start, autosaved drafts, telemetry, workspace."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import JSON, bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from assessor.extensions import db
from assessor.kinds import Material, find_kind
from assessor.kinds.service_options import LANGUAGES
from assessor.models import (
    AssessmentItem,
    Attempt,
    AttemptEvent,
    AttemptStatus,
    ChallengeVersion,
    Draft,
    DraftSnapshot,
    Submission,
    SubmissionKind,
    utcnow,
)
from assessor.models.types import UTCDateTime
from assessor.services import Conflict, DomainError, NotFound
from assessor.services.deadlines import deadline_for, ensure_open, lapsed
from assessor.services.finalization import finalize_if_due
from assessor.services.signals import attempt_started
from assessor.services.submissions import (
    LanguageNotChosen,
    candidate_files,
    final_submission,
    item_of,
    language_paths,
    load_attempt,
    outside_language,
    request_run,
    starter_files,
)
from sandbox.policy import MAX_FILE_KB, MAX_TOTAL_KB, size_problems

# What the platform records about a candidate; the landing page and docs/candidate.md say the same.
RECORDED = (
    "When you start, and when you or the clock end the assessment.",
    "Your files, saved every few seconds, with each saved version kept for the reviewer.",
    "Each test run and its results, and each challenge you submit.",
    "The size of every paste into the editor (never what you pasted).",
    "When this page loses focus and when it gets it back (for example, switching windows).",
)
# The sandbox refuses bigger files and submissions: a save refuses them too, by the same rule.
MAX_FILE_BYTES = MAX_FILE_KB * 1024
MAX_DRAFT_BYTES = MAX_TOTAL_KB * 1024


class InvitationExpired(DomainError):
    """The invitation lapsed before the candidate started."""

    status = 410


class DraftConflict(Conflict):
    """The save was based on an older revision than the server's: a stale tab or machine."""

    def __init__(self, current_revision: int) -> None:
        self.current_revision = current_revision
        super().__init__(
            "This challenge was saved from another tab or machine since this page loaded "
            f"(saved version {current_revision}). Load the newest version, or keep this tab's."
        )


class DraftRejected(DomainError):
    """The files cannot be saved: unknown, read-only, binary or oversized."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


class ItemSubmitted(Conflict):
    """The challenge was submitted as final; it no longer changes."""


class LanguageRejected(DomainError):
    """The language is not one this challenge lets the candidate pick."""

    status = 422


@dataclass(frozen=True)
class Landing:
    title: str
    description: str
    duration_minutes: int
    extra_minutes: int
    challenges: list[tuple[str, str]]  # (title, the kind's label for candidates)
    status: str
    expires_at: datetime
    deadline_at: datetime | None
    lapsed: bool
    recorded: tuple[str, ...] = RECORDED


@dataclass(frozen=True)
class WorkspaceFile:
    path: str
    text: str
    editable: bool
    language: str


@dataclass(frozen=True)
class WorkspaceItem:
    id: int
    title: str
    kind: str
    label: str  # what the candidate is told they write: "code", "written answer", ...
    editor: str  # the editor mode: "code" or "markdown"
    runnable: bool  # whether the candidate can run the public tests
    statement: str  # Markdown; the web layer renders and sanitizes it
    summary: str
    files: list[WorkspaceFile]
    revision: int
    submitted: bool
    last_run_id: int | None
    languages: list[dict[str, str]]  # [{"name", "label"}] to pick from; empty for most kinds
    language: str | None  # the one picked, if any


@dataclass(frozen=True)
class Workspace:
    attempt_id: int
    title: str
    deadline_at: datetime
    items: list[WorkspaceItem] = field(default_factory=list)


@dataclass(frozen=True)
class SavedDraft:
    revision: int
    changed: bool
    saved_at: datetime


def settle(attempt_id: int) -> Attempt:
    """Bring the attempt's status up to date with the clock, then return it."""
    finalize_if_due(attempt_id)
    attempt = load_attempt(attempt_id)
    _mark_if_expired(attempt)
    return attempt


def _mark_if_expired(attempt: Attempt, now: datetime | None = None) -> None:
    """Record that an invitation past its expiry has expired: its status and its event."""
    if attempt.status is AttemptStatus.INVITED and lapsed(attempt, now):
        attempt.status = AttemptStatus.EXPIRED
        db.session.add(AttemptEvent(attempt_id=attempt.id, kind="invitation_expired"))
        db.session.commit()


def landing(attempt_id: int) -> Landing:
    """Describe the assessment as the candidate sees it before the clock starts."""
    attempt = settle(attempt_id)
    assessment = attempt.assessment
    return Landing(
        title=assessment.title,
        description=assessment.description,
        duration_minutes=assessment.duration_minutes,
        extra_minutes=attempt.extra_minutes,
        challenges=[(i.version.title, i.version.kind_plugin.label) for i in assessment.items],
        status=attempt.status.value,
        expires_at=attempt.expires_at,
        deadline_at=attempt.deadline_at,
        lapsed=attempt.status is AttemptStatus.EXPIRED,
    )


def start(attempt_id: int) -> Attempt:
    """Start the clock: deadline = now + duration + extra minutes. A second call is a no-op."""
    attempt = load_attempt(attempt_id, lock=True)
    now = utcnow()
    if attempt.status is AttemptStatus.STARTED:
        db.session.rollback()
        return attempt
    _mark_if_expired(attempt, now)
    if attempt.status is AttemptStatus.EXPIRED:
        raise InvitationExpired(
            "This invitation has expired. Ask the person who invited you for a new link."
        )
    if attempt.status is not AttemptStatus.INVITED:
        db.session.rollback()
        ensure_open(attempt)  # raises with the reason the attempt cannot start
    attempt.status = AttemptStatus.STARTED
    attempt.started_at = now
    attempt.deadline_at = deadline_for(attempt, now)
    db.session.add(
        AttemptEvent(
            attempt_id=attempt.id,
            kind="start",
            data={"deadline_at": attempt.deadline_at.isoformat()},
        )
    )
    db.session.commit()
    attempt_started.send(attempt.id, deadline=attempt.deadline_at)
    return attempt


def editable_paths(item: AssessmentItem) -> list[str]:
    """Return the files the candidate may change (the same rule final submission uses)."""
    return item.version.editable


def workspace(attempt_id: int) -> Workspace:
    """Return what the editor shows: starter files overlaid with drafts, and public tests only."""
    attempt = load_attempt(attempt_id)
    ensure_open(attempt)
    drafts = {
        d.item_id: d
        for d in db.session.scalars(select(Draft).where(Draft.attempt_id == attempt.id))
    }
    items = [_workspace_item(attempt, i, drafts.get(i.id)) for i in attempt.assessment.items]
    return Workspace(attempt.id, attempt.assessment.title, attempt.deadline_at, items)


def _workspace_item(attempt: Attempt, item: AssessmentItem, draft: Draft | None) -> WorkspaceItem:
    """Describe one challenge for the editor; a kind with languages shows only the chosen one."""
    version = item.version
    kind = version.kind_plugin
    starter = version.files.get("starter", {})
    languages = kind.languages(version.material)
    language = draft.language if draft and draft.language in languages else None
    editable = candidate_files(version, draft.files if draft else None, language)
    files = [WorkspaceFile(p, t, True, _language(p)) for p, t in editable.items()]
    files += [
        WorkspaceFile(p, starter[p], False, _language(p))
        for p in language_paths(sorted(starter), languages, language)
        if p not in editable
    ]
    # Only the kind's public test set may leave the server: hidden/ holds the scored suite.
    files += [
        WorkspaceFile(f"tests/{p}", t, False, _language(p))
        for p, t in sorted(kind.test_files(version.material, "public").items())
    ]
    return WorkspaceItem(
        id=item.id,
        title=version.title,
        kind=version.kind,
        label=kind.label,
        editor=kind.editor,
        runnable=kind.runnable,
        statement=version.statement,
        summary=str(version.meta.get("summary") or ""),
        files=files,
        revision=draft.revision if draft else 0,
        submitted=final_submission(attempt.id, item.id) is not None,
        last_run_id=_last_run_id(attempt.id, item.id),
        languages=[{"name": n, "label": LANGUAGES.get(n, n)} for n in languages],
        language=language,
    )


def choose_language(attempt_id: int, item_id: int, language: object) -> WorkspaceItem:
    """Record the language the candidate writes a challenge in; switching later loses nothing.

    Each language's files live under its own folder in the draft, so a switch only changes
    which folder the editor, the runs and the final submission use.
    """
    attempt = load_attempt(attempt_id, exclusive=True)
    ensure_open(attempt)
    item = item_of(attempt, item_id)
    if final_submission(attempt.id, item.id) is not None:
        raise ItemSubmitted("You already submitted this challenge; it can no longer change.")
    allowed = item.version.kind_plugin.languages(item.version.material)
    if not allowed:
        raise LanguageRejected("This challenge has no language to choose.")
    if not isinstance(language, str) or language not in allowed:
        names = ", ".join(f"{LANGUAGES.get(n, n)} ({n})" for n in allowed)
        raise LanguageRejected(f"Choose one of this challenge's languages: {names}.")
    draft = db.session.scalar(
        select(Draft).where(Draft.attempt_id == attempt.id, Draft.item_id == item.id)
    )
    if draft is None:
        # Revision 0 still means "the starter code": picking a language saves no files.
        draft = Draft(attempt_id=attempt.id, item_id=item.id, files={}, revision=0)
        db.session.add(draft)
    if draft.language != language:
        draft.language = language
        db.session.add(
            AttemptEvent(
                attempt_id=attempt.id, item_id=item.id, kind="language", data={"language": language}
            )
        )
    try:
        db.session.commit()
    except IntegrityError:
        # Another request created the draft first (a double click): ask for a fresh look.
        db.session.rollback()
        raise Conflict("The challenge changed in another tab; reload the page.") from None
    return _workspace_item(attempt, item, draft)


# Statements built once: an autosave arrives every few seconds per candidate, and building a
# statement (and its cache key) costs more than SQLite takes to run it.
_NEXT_REVISION = (
    update(Draft)
    .where(Draft.id == bindparam("draft"), Draft.revision == bindparam("base"))
    .values(
        files=bindparam("merged", type_=JSON),
        revision=Draft.revision + 1,
        updated_at=bindparam("now", type_=UTCDateTime),
    )
    .execution_options(synchronize_session=False)
)
_SNAPSHOT = insert(DraftSnapshot.__table__)


def save_draft(
    attempt_id: int, item_id: int, files: Mapping[str, str], base_revision: int
) -> SavedDraft:
    """Save the candidate's files if `base_revision` is the latest; keep a snapshot per change."""
    attempt = load_attempt(attempt_id, lock=True)
    ensure_open(attempt)
    target = _save_target(attempt, item_id)
    if target.submitted:
        raise ItemSubmitted("You already submitted this challenge; it can no longer change.")
    language = target.draft.language if target.draft else None
    if target.languages:
        if language not in target.languages:
            raise LanguageNotChosen("Choose the language you will write this challenge in first.")
        label = LANGUAGES.get(language, language)
        outside = outside_language(
            list(files) if isinstance(files, Mapping) else [], language, label
        )
        if outside:
            raise DraftRejected(outside)
    _check_files(language_paths(target.editable, target.languages, language), files)
    if isinstance(base_revision, bool) or not isinstance(base_revision, int) or base_revision < 0:
        raise DraftRejected(["the save carries no valid revision"])
    draft = target.draft
    # Revision 0 is the starter code: saving it unchanged creates nothing.
    # Revision 0 is the starter code (a draft made by picking a language holds no files yet);
    # the version's files are loaded only then: they are large, and saves are frequent.
    if draft is None or draft.revision == 0:
        starter = starter_files(item_of(attempt, item_id).version)
        current = {**starter, **(draft.files if draft else {})}
    else:
        current = draft.files
    revision = draft.revision if draft else 0
    merged = {**current, **files}
    now = utcnow()
    if merged == current:
        # Nothing would change, so nothing can be overwritten: not a conflict even if stale.
        db.session.rollback()
        return SavedDraft(revision, False, draft.updated_at if draft else now)
    if base_revision != revision:
        db.session.rollback()
        raise DraftConflict(revision)
    if draft is None:
        draft = Draft(
            attempt_id=attempt.id, item_id=item_id, files=merged, revision=1, updated_at=now
        )
        db.session.add(draft)
        try:
            db.session.flush()
        except IntegrityError:
            # Another request created the draft first: this save was based on stale state.
            db.session.rollback()
            raise DraftConflict(_revision_of(attempt.id, item_id)) from None
    else:
        # Compare-and-set on the revision: a concurrent save that won leaves rowcount 0.
        result = db.session.execute(
            _NEXT_REVISION,
            {"draft": draft.id, "base": base_revision, "merged": merged, "now": now},
        )
        if result.rowcount != 1:
            db.session.rollback()
            raise DraftConflict(_revision_of(attempt.id, item_id))
    # Straight after the write that took the lock: SQLite has one writer at a time.
    db.session.execute(
        _SNAPSHOT,
        {"draft_id": draft.id, "revision": base_revision + 1, "files": merged, "created_at": now},
    )
    db.session.commit()
    return SavedDraft(base_revision + 1, True, now)


@dataclass(frozen=True)
class _SaveTarget:
    editable: list[str]
    draft: Draft | None
    submitted: bool
    languages: tuple[str, ...]  # what the kind lets the candidate pick from; usually none


_FINAL_EXISTS = (
    select(Submission.id)
    .where(
        Submission.attempt_id == bindparam("attempt"),
        Submission.item_id == AssessmentItem.id,
        Submission.kind == SubmissionKind.FINAL,
    )
    .exists()
)
# The version's meta, not the whole row: its files (every test and solution) are large.
_SAVE_TARGET = (
    select(
        AssessmentItem.assessment_id,
        ChallengeVersion.meta,
        ChallengeVersion.kind,
        Draft,
        _FINAL_EXISTS,
    )
    .join(ChallengeVersion, ChallengeVersion.id == AssessmentItem.challenge_version_id)
    .outerjoin(
        Draft, (Draft.item_id == AssessmentItem.id) & (Draft.attempt_id == bindparam("attempt"))
    )
    .where(AssessmentItem.id == bindparam("item"))
)


def _save_target(attempt: Attempt, item_id: int) -> _SaveTarget:
    """Load what a save checks against in one query: the item's files, its draft, a final."""
    row = db.session.execute(_SAVE_TARGET, {"attempt": attempt.id, "item": item_id}).one_or_none()
    if row is None or row[0] != attempt.assessment_id:
        raise NotFound("No such challenge in this assessment.")
    _, meta, kind, draft, submitted = row
    editable = list(meta.get("editable") or ())
    if not editable:  # no list in challenge.yaml: every starter file (the version's own rule)
        editable = editable_paths(item_of(attempt, item_id))
    # A kind reads its languages from its options; the version's files stay unloaded.
    options = Material({}, {}, meta.get("limits") or {}, meta.get("options") or {})
    languages = find_kind(kind).languages(options)
    return _SaveTarget(editable, draft, bool(submitted), tuple(languages))


def run_tests(attempt_id: int, item_id: int, files: Mapping[str, str]) -> Submission:
    """Queue a public-test run of the candidate's files and note it on the timeline."""
    if not isinstance(files, Mapping):
        raise DraftRejected(["files must be an object of path: text"])
    submission = request_run(attempt_id, item_id, files)
    db.session.add(
        AttemptEvent(
            attempt_id=attempt_id,
            item_id=item_id,
            kind="run",
            data={"submission_id": submission.id},
        )
    )
    db.session.commit()
    return submission


def run_of(attempt_id: int, submission_id: int) -> Submission:
    """Return one of this attempt's test runs; any other id is simply not found."""
    submission = db.session.get(Submission, submission_id)
    if (
        submission is None
        or submission.attempt_id != attempt_id
        or submission.kind is not SubmissionKind.RUN
    ):
        raise NotFound("No such test run.")
    return submission


def _check_files(paths: list[str], files: Mapping[str, str]) -> None:
    if not isinstance(files, Mapping) or not files:
        raise DraftRejected(["a save carries at least one file"])
    editable = set(paths)
    problems, texts = [], {}
    for path, text in files.items():
        if path not in editable:
            problems.append(f"{str(path)[:200]!r} is not a file you can edit in this challenge")
        elif not isinstance(text, str) or "\x00" in text:
            problems.append(f"{path!r} must be text")
        else:
            texts[path] = text
    problems += size_problems(texts)
    if problems:
        raise DraftRejected(problems)


def _revision_of(attempt_id: int, item_id: int) -> int:
    return (
        db.session.scalar(
            select(Draft.revision).where(Draft.attempt_id == attempt_id, Draft.item_id == item_id)
        )
        or 0
    )


def _last_run_id(attempt_id: int, item_id: int) -> int | None:
    return db.session.scalar(
        select(func.max(Submission.id)).where(
            Submission.attempt_id == attempt_id,
            Submission.item_id == item_id,
            Submission.kind == SubmissionKind.RUN,
        )
    )


# The editor's highlighting per file extension (static/src/editor.js maps these names).
_HIGHLIGHT = {
    "py": "python",
    "js": "javascript",
    "mjs": "javascript",
    "cjs": "javascript",
    "ts": "javascript",
    "json": "javascript",
    "go": "go",
    "java": "java",
    "md": "markdown",
    "sql": "sql",
}


def _language(path: str) -> str:
    return _HIGHLIGHT.get(path.rsplit(".", 1)[-1], "text")
