"""Grade one submission: claim its lease, run the sandbox, store the score in one transaction.

A job loads what it needs, closes its database session, and only then does the long work, so
a slow sandbox run never holds a connection or a lock.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import socket
import threading
from datetime import timedelta

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.exc import OperationalError

import sandbox
from assessor.challenges.spec import DEFAULT_LIMITS
from assessor.config import DEFAULT_LEASE_MARGIN_S
from assessor.extensions import db
from assessor.kinds import ChallengeKindPlugin, KindError, NotRunnable
from assessor.models import (
    AssessmentItem,
    ChallengeVersion,
    Submission,
    SubmissionKind,
    SubmissionStatus,
    TestResult,
    utcnow,
)

log = logging.getLogger(__name__)

MAX_TRIES = 8  # claims of one submission before an unexpected crash marks it as an error
CANDIDATE_OUTPUT_HEADER = "--- output of the candidate's code ---"


class GradingRetry(Exception):
    """The infrastructure failed (engine down, image missing); the submission waits, unchanged."""

    def __init__(self, submission_id: int, detail: str, tries: int) -> None:
        self.submission_id = submission_id
        self.detail = detail
        self.tries = tries
        super().__init__(f"submission {submission_id}: {detail} (try {tries})")


@dataclasses.dataclass(frozen=True)
class Claim:
    submission_id: int
    token: str
    tries: int
    job: sandbox.Job | None  # None: the kind runs nothing for these files (scored as such)
    manifest: list
    kind: SubmissionKind
    candidate: dict  # the editable files only: review flags concern what the candidate wrote
    challenge_kind: ChallengeKindPlugin


def worker_id() -> str:
    """Name this worker thread: host, process and thread, for leases and logs."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def claim(
    submission_id: int,
    image: str,
    owner: str | None = None,
    *,
    lease_margin_s: float = DEFAULT_LEASE_MARGIN_S,
) -> Claim | None:
    """Take the submission's lease if it is queued or its lease lapsed; None if not ours."""
    now = utcnow()
    # One query for the row, its item and its pinned version (three round trips otherwise).
    row = db.session.execute(
        select(Submission, ChallengeVersion)
        .join(AssessmentItem, AssessmentItem.id == Submission.item_id)
        .join(ChallengeVersion, ChallengeVersion.id == AssessmentItem.challenge_version_id)
        .where(Submission.id == submission_id)
    ).one_or_none()
    if row is None or row[0].status in (SubmissionStatus.GRADED, SubmissionStatus.ERROR):
        db.session.rollback()
        return None
    submission, version = row
    limits = version.meta.get("limits", {})
    timeout_s = float(limits.get("timeout_s", DEFAULT_LIMITS["timeout_s"]))
    lease_until = now + timedelta(seconds=timeout_s + lease_margin_s)
    tries = submission.tries + 1
    token = f"{owner or worker_id()}#{tries}"
    # The conditional UPDATE is the lock: of two workers racing for one row, one matches.
    won = db.session.execute(
        update(Submission)
        .where(
            Submission.id == submission_id,
            Submission.tries == submission.tries,
            or_(
                Submission.status == SubmissionStatus.QUEUED,
                (Submission.status == SubmissionStatus.RUNNING)
                & (Submission.lease_expires_at < now),
            ),
        )
        .values(
            status=SubmissionStatus.RUNNING,
            lease_owner=token,
            lease_expires_at=lease_until,
            tries=tries,
            started_at=now,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if not won:
        db.session.rollback()
        return None
    kind = submission.kind
    challenge_kind = version.kind_plugin
    editable = set(version.editable)
    manifest = version.manifest
    which = "all"
    if kind is SubmissionKind.RUN:
        # A run's output goes back to the candidate: hidden tests must not even be in the
        # container, or code could read and print them.
        which = "public"
        manifest = [e for e in manifest if e["visibility"] == "public"]
    candidate = {p: t for p, t in submission.files.items() if p in editable}
    job = challenge_kind.build_job(
        version.material,
        candidate,
        which=which,
        image=image,
        expected=tuple(e["id"] for e in manifest),
    )
    if job is None and not challenge_kind.runnable:
        raise NotRunnable(f"a {challenge_kind.description} challenge is not run in the sandbox")
    db.session.commit()
    return Claim(submission_id, token, tries, job, manifest, kind, candidate, challenge_kind)


def run_and_store(claim_: Claim, backend: sandbox.Backend) -> SubmissionStatus | None:
    """Run the claimed job and store the result; raise GradingRetry on infrastructure errors."""
    db.session.remove()  # no connection is held while the sandbox runs
    if claim_.job is None:  # e.g. a service challenge submitted before a language was chosen
        result = nothing_ran(claim_.challenge_kind.unrunnable_reason(claim_.candidate))
        return store(claim_, result, claim_.challenge_kind.score(claim_.manifest, result))
    result = sandbox.run(claim_.job, backend)
    if result.status is sandbox.RunStatus.INFRASTRUCTURE_ERROR:
        release(claim_, f"waiting for the grading infrastructure: {result.detail}")
        raise GradingRetry(claim_.submission_id, result.detail, claim_.tries)
    trusted = set(claim_.job.files) - set(claim_.candidate)
    card = claim_.challenge_kind.score(claim_.manifest, result, trusted_paths=trusted)
    return store(claim_, result, card)


def nothing_ran(reason: str) -> sandbox.Result:
    """Return the result of a submission with nothing to run: every test counts as failed."""
    return dataclasses.replace(
        sandbox.Result.infrastructure_error(reason), status=sandbox.RunStatus.COMPLETED
    )


def store(claim_: Claim, result: sandbox.Result, card) -> SubmissionStatus | None:
    """Write results, score and status in one transaction, only if we still hold the lease."""
    # The fenced UPDATE comes first: it takes the write lock, and matches only while our
    # lease stands. A worker whose lease lapsed (and was taken over) changes nothing.
    won = db.session.execute(
        update(Submission)
        .where(
            Submission.id == claim_.submission_id,
            Submission.lease_owner == claim_.token,
            Submission.status == SubmissionStatus.RUNNING,
        )
        .values(
            status=SubmissionStatus.GRADED,
            outcome=result.status.value,
            score=card.score,
            max_score=card.max_score,
            skill_scores={k: dict(v) for k, v in card.by_skill.items()},
            flags=list(card.flags),
            stdout_tail=combined_output(result),
            stderr_tail=result.stderr_tail,
            run_seconds=result.duration_s,
            error=None
            if result.status is sandbox.RunStatus.COMPLETED and result.tests
            else result.detail or None,
            finished_at=utcnow(),
            graded_by=claim_.token.rsplit("#", 1)[0],
            lease_owner=None,
            lease_expires_at=None,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if not won:
        log.warning("submission %s: lease lost, result discarded", claim_.submission_id)
        db.session.rollback()
        return None
    db.session.execute(delete(TestResult).where(TestResult.submission_id == claim_.submission_id))
    rows = [
        {
            "submission_id": claim_.submission_id,
            "test_id": test.id,
            "outcome": test.outcome,
            "points": test.points,
            "max_points": test.max_points,
            "visibility": test.visibility,
            "skill": test.skill,
            "message": test.message,
            "duration_s": test.duration_s,
        }
        for test in card.tests
    ]
    if rows:
        # One batched INSERT for every test's row, not a round trip per test.
        db.session.execute(insert(TestResult), rows)
    db.session.commit()
    return SubmissionStatus.GRADED


def combined_output(result: sandbox.Result) -> str:
    """Return the test run's output followed by what the candidate's own code printed."""
    if not result.candidate_tail:
        return result.stdout_tail
    return f"{result.stdout_tail}\n{CANDIDATE_OUTPUT_HEADER}\n{result.candidate_tail}"


def release(claim_: Claim, detail: str) -> None:
    """Give the lease back: the submission is queued again and says why it waits."""
    db.session.execute(
        update(Submission)
        .where(Submission.id == claim_.submission_id, Submission.lease_owner == claim_.token)
        .values(
            status=SubmissionStatus.QUEUED,
            lease_owner=None,
            lease_expires_at=None,
            error=detail[:2000],
            enqueued_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def fail(submission_id: int, detail: str) -> None:
    """Mark a submission that can never be graded (a bug or corrupt data), keeping its files."""
    db.session.execute(
        update(Submission)
        .where(
            Submission.id == submission_id,
            Submission.status.in_([SubmissionStatus.QUEUED, SubmissionStatus.RUNNING]),
        )
        .values(
            status=SubmissionStatus.ERROR,
            error=detail[:2000],
            finished_at=utcnow(),
            lease_owner=None,
            lease_expires_at=None,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def grade(
    submission_id: int,
    backend: sandbox.Backend,
    image: str,
    *,
    lease_margin_s: float = DEFAULT_LEASE_MARGIN_S,
) -> SubmissionStatus | None:
    """Grade a submission once; a graded or leased submission is left alone."""
    try:
        claim_ = claim(submission_id, image, lease_margin_s=lease_margin_s)
    except (sandbox.InvalidJob, KindError) as exc:
        # A bad job or a kind this worker lacks will not heal by retrying: say why, once.
        db.session.rollback()
        fail(submission_id, f"cannot build the grading job: {exc}")
        return SubmissionStatus.ERROR
    if claim_ is None:
        return None
    try:
        return run_and_store(claim_, backend)
    except GradingRetry:
        raise
    except OperationalError as exc:
        # The database dropped the connection or went away: the infrastructure, like an engine
        # outage, retried without a limit. Were it still down, release fails too, and the
        # lease lapses into the reaper's hands.
        log.warning("submission %s: database unavailable (try %s)", submission_id, claim_.tries)
        db.session.rollback()
        release(claim_, f"waiting for the database: {exc.orig!r}")
        raise GradingRetry(submission_id, "the database is unavailable", claim_.tries) from exc
    except Exception as exc:
        # A bug, not the candidate and not the engine: retry a few times, then say so plainly
        # rather than loop forever. The files stay stored; an operator can requeue the row.
        log.exception("submission %s: grading crashed (try %s)", submission_id, claim_.tries)
        db.session.rollback()
        if claim_.tries >= MAX_TRIES:
            fail(submission_id, f"grading crashed {claim_.tries} times; last error: {exc!r}")
            return SubmissionStatus.ERROR
        release(claim_, f"grading crashed, will retry: {exc!r}")
        raise GradingRetry(submission_id, repr(exc), claim_.tries) from exc


def due_for_requeue(now=None, *, stale_after: timedelta = timedelta(minutes=2)) -> list[int]:
    """Return submissions to hand to the queue again: lapsed leases and long-waiting rows."""
    now = now or utcnow()
    ids = db.session.scalars(
        select(Submission.id)
        .where(
            or_(
                (Submission.status == SubmissionStatus.RUNNING)
                & (Submission.lease_expires_at < now),
                (Submission.status == SubmissionStatus.QUEUED)
                & or_(Submission.enqueued_at.is_(None), Submission.enqueued_at < now - stale_after),
            )
        )
        .order_by(Submission.id)
    ).all()
    if ids:
        db.session.execute(
            update(Submission)
            .where(Submission.id.in_(ids))
            .values(enqueued_at=now)
            .execution_options(synchronize_session=False)
        )
    db.session.commit()
    return list(ids)
