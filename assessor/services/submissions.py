"""Create submissions: a candidate's test run, or the final answer to one challenge."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import IntegrityError

import sandbox
from assessor.extensions import db
from assessor.kinds import Scoring
from assessor.kinds.service_options import LANGUAGES
from assessor.models import (
    AssessmentItem,
    Attempt,
    ChallengeVersion,
    Draft,
    Submission,
    SubmissionKind,
    SubmissionStatus,
    utcnow,
)
from assessor.services import Conflict, DomainError, NotFound
from assessor.services.deadlines import ensure_open
from assessor.services.signals import submission_queued

RUNS_PER_MINUTE = 6  # public-test runs per attempt per minute: the sandbox is shared by all


class RunInFlight(Conflict):
    """The candidate already has a test run queued or running."""


class RunRateLimited(DomainError):
    """Too many test runs in the last minute."""

    status = 429


class SubmissionRejected(DomainError):
    """The files break the submission policy (names, sizes, forbidden files)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


def item_of(attempt: Attempt, item_id: int) -> AssessmentItem:
    """Return the attempt's assessment item with this id, or raise NotFound."""
    item = db.session.get(AssessmentItem, item_id)
    if item is None or item.assessment_id != attempt.assessment_id:
        raise NotFound("No such challenge in this assessment.")
    return item


class LanguageNotChosen(DomainError):
    """The challenge lets the candidate pick a language, and none is picked yet."""

    status = 422


def language_paths(
    paths: Sequence[str], languages: Sequence[str], language: str | None
) -> list[str]:
    """Narrow editable paths to the chosen language's folder when the kind offers languages."""
    if not languages:
        return list(paths)
    if language not in languages:
        return []  # nothing is editable before a language is chosen
    return [path for path in paths if path.startswith(f"{language}/")]


def editable_for(version: ChallengeVersion, language: str | None = None) -> list[str]:
    """Return the paths a candidate may change, given the language they chose (if any)."""
    languages = version.kind_plugin.languages(version.material)
    return language_paths(version.editable, languages, language)


def candidate_files(
    version: ChallengeVersion, saved: Mapping[str, str] | None = None, language: str | None = None
) -> dict[str, str]:
    """Return the files a candidate may change: the saved text of each, else the starter's.

    For a kind offering languages, only the chosen language's files; none before a choice.
    """
    starter = version.files.get("starter", {})
    saved = saved or {}
    return {
        path: saved.get(path, starter.get(path, "")) for path in editable_for(version, language)
    }


def starter_files(version: ChallengeVersion) -> dict[str, str]:
    """Return the starter text of every editable file, whatever language was chosen."""
    starter = version.files.get("starter", {})
    return {path: starter.get(path, "") for path in version.editable}


def outside_language(paths: Sequence[str], language: str | None, label: str) -> list[str]:
    """Name each path that lies outside the chosen language's folder, as a save's problems."""
    if language is None:
        return []
    return [
        f"{str(p)[:200]!r} is not in the {label} folder you chose ({language}/); "
        "change the language to edit it"
        for p in paths
        if not str(p).startswith(f"{language}/")
    ]


def chosen_language(attempt_id: int, item_id: int) -> str | None:
    """Return the language the candidate picked for one challenge, if any."""
    return db.session.scalar(
        select(Draft.language).where(Draft.attempt_id == attempt_id, Draft.item_id == item_id)
    )


def editable_files(
    item: AssessmentItem, files: Mapping[str, str], language: str | None = None
) -> dict[str, str]:
    """Check the candidate's files against the policy; return only the editable ones."""
    version = item.version
    languages = version.kind_plugin.languages(version.material)
    if languages and language not in languages:
        raise LanguageNotChosen("Choose the language you will write this challenge in first.")
    editable = language_paths(version.editable, languages, language)
    outside = outside_language(list(files), language, LANGUAGES.get(language, str(language)))
    if outside:
        raise SubmissionRejected(outside)
    try:
        sandbox.check_submission(files, editable)
    except sandbox.SubmissionRefused as exc:
        raise SubmissionRejected(exc.problems) from exc
    return {path: text for path, text in files.items() if path in editable}


def request_run(attempt_id: int, item_id: int, files: Mapping[str, str]) -> Submission:
    """Queue a run of the public tests on the candidate's current files; it never scores."""
    attempt = load_attempt(attempt_id, exclusive=True)
    ensure_open(attempt)
    item = item_of(attempt, item_id)
    kind = item.version.kind_plugin
    if not kind.runnable:
        reason = "" if kind.installed else f" ({kind.label})"
        raise DomainError(f"This challenge has no tests to run{reason}.")
    busy = db.session.scalar(
        select(Submission.id).where(
            Submission.attempt_id == attempt.id,
            Submission.kind == SubmissionKind.RUN,
            Submission.status.in_([SubmissionStatus.QUEUED, SubmissionStatus.RUNNING]),
        )
    )
    if busy is not None:
        raise RunInFlight("A test run is already in progress; wait for its results.")
    recent = db.session.scalar(
        select(func.count(Submission.id)).where(
            Submission.attempt_id == attempt.id,
            Submission.kind == SubmissionKind.RUN,
            Submission.created_at > utcnow() - timedelta(minutes=1),
        )
    )
    if recent >= RUNS_PER_MINUTE:
        raise RunRateLimited(
            f"At most {RUNS_PER_MINUTE} test runs a minute; try again in a few seconds."
        )
    submission = Submission(
        attempt_id=attempt.id,
        item_id=item.id,
        kind=SubmissionKind.RUN,
        files=editable_files(item, files, chosen_language(attempt.id, item.id)),
        enqueued_at=utcnow(),
    )
    db.session.add(submission)
    db.session.commit()
    submission_queued.send(submission.id)
    return submission


def create_final(attempt: Attempt, item: AssessmentItem) -> tuple[Submission, bool]:
    """Create the final submission of one challenge from its latest draft (idempotent).

    Returns the submission and whether it was created now. The caller commits and then
    announces new submissions with `announce`.
    """
    existing = final_submission(attempt.id, item.id)
    if existing is not None:
        return existing, False
    draft = db.session.scalar(
        select(Draft).where(Draft.attempt_id == attempt.id, Draft.item_id == item.id)
    )
    # Only the chosen language's files: the run infers the language from their one folder.
    files = candidate_files(
        item.version, draft.files if draft else None, draft.language if draft else None
    )
    manual = item.version.kind_plugin.scoring is Scoring.MANUAL
    submission = Submission(
        attempt_id=attempt.id,
        item_id=item.id,
        kind=SubmissionKind.FINAL,
        files=files,
        draft_revision=draft.revision if draft else None,
        # An answer a reviewer scores by rubric has nothing to run: it waits for a reviewer,
        # not for a worker.
        status=SubmissionStatus.GRADED if manual else SubmissionStatus.QUEUED,
        enqueued_at=None if manual else utcnow(),
        finished_at=utcnow() if manual else None,
        outcome="manual_review" if manual else None,
    )
    db.session.add(submission)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        # Another request finalized this challenge at the same moment: keep theirs.
        return final_submission(attempt.id, item.id), False
    return submission, True


def announce(submissions: list[Submission]) -> None:
    """Tell the queue about committed submissions that wait for a worker."""
    for submission in submissions:
        if submission.status is SubmissionStatus.QUEUED:
            submission_queued.send(submission.id)


def final_submission(attempt_id: int, item_id: int) -> Submission | None:
    """Return the final submission of one challenge of an attempt, if any."""
    return db.session.scalar(
        select(Submission).where(
            Submission.attempt_id == attempt_id,
            Submission.item_id == item_id,
            Submission.kind == SubmissionKind.FINAL,
        )
    )


# Built once (every autosave and test run loads its attempt). Locking serializes concurrent
# requests of one attempt on PostgreSQL, so "one run in flight" holds under double clicks. The
# locked read refreshes a copy of the attempt the session loaded before it waited.
_ATTEMPT = select(Attempt).where(Attempt.id == bindparam("id"))
_ATTEMPT_LOCKED = _ATTEMPT.with_for_update().execution_options(populate_existing=True)
# SQLite ignores FOR UPDATE. A write as the transaction's first statement takes the writer's
# turn (assessor/sqlite_writes.py) before anything is read: two requests then check and create
# one after the other, instead of both seeing "no final yet" and the second failing its INSERT.
_CLAIM_SQLITE = (
    update(Attempt)
    .where(Attempt.id == bindparam("id"))
    .values(id=Attempt.id)
    .execution_options(synchronize_session=False)
)


def load_attempt(attempt_id: int, *, lock: bool = False, exclusive: bool = False) -> Attempt:
    """Return the attempt, or raise NotFound.

    `lock` locks its row for update (PostgreSQL); `exclusive` also makes SQLite writers of this
    transaction wait before it reads, for a check-then-insert that must happen once.
    """
    if exclusive and db.session.get_bind().dialect.name == "sqlite":
        db.session.execute(_CLAIM_SQLITE, {"id": attempt_id})
    attempt = db.session.scalar(
        _ATTEMPT_LOCKED if lock or exclusive else _ATTEMPT, {"id": attempt_id}
    )
    if attempt is None:
        raise NotFound("No such attempt.")
    return attempt
