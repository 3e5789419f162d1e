from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from assessor.extensions import db
from assessor.models import (
    AssessmentItem,
    Draft,
    DraftSnapshot,
    Submission,
    SubmissionKind,
    SubmissionStatus,
    TestResult,
    utcnow,
)
from tests.factories import make_assessment, make_attempt, make_version


def test_datetimes_come_back_aware_utc(ctx):
    attempt = make_attempt()
    db.session.expire_all()
    assert attempt.created_at.tzinfo is not None
    assert attempt.created_at.utcoffset() == timedelta(0)


def test_naive_datetimes_are_refused(ctx):
    attempt = make_attempt()
    attempt.started_at = datetime(2026, 1, 1)
    with pytest.raises(Exception, match="naive datetime"):
        db.session.commit()
    db.session.rollback()


def test_assessment_items_keep_their_order_and_pinned_versions(ctx):
    v1, v2 = make_version("alpha"), make_version("beta")
    assessment = make_assessment(versions=[v2, v1])
    db.session.expire_all()
    assert [item.version.challenge.slug for item in assessment.items] == ["beta", "alpha"]


def test_item_positions_are_unique_within_an_assessment(ctx):
    assessment = make_assessment()
    db.session.add(
        AssessmentItem(
            assessment_id=assessment.id,
            position=0,
            challenge_version_id=assessment.items[0].challenge_version_id,
        )
    )
    with pytest.raises(IntegrityError):
        db.session.commit()


def test_a_version_hash_is_unique_per_challenge(ctx):
    version = make_version("gamma")
    from assessor.models import ChallengeVersion

    clone = ChallengeVersion(
        challenge_id=version.challenge_id,
        content_hash=version.content_hash,
        title="t",
        kind=version.kind,
        difficulty=version.difficulty,
        minutes=10,
    )
    db.session.add(clone)
    with pytest.raises(IntegrityError):
        db.session.commit()


def test_only_one_final_submission_per_challenge_of_an_attempt(ctx):
    attempt = make_attempt()
    item = attempt.assessment.items[0]
    for kind in (SubmissionKind.RUN, SubmissionKind.RUN, SubmissionKind.FINAL):
        db.session.add(Submission(attempt_id=attempt.id, item_id=item.id, kind=kind))
    db.session.commit()
    db.session.add(Submission(attempt_id=attempt.id, item_id=item.id, kind=SubmissionKind.FINAL))
    with pytest.raises(IntegrityError):
        db.session.commit()


def test_submission_defaults_and_results(ctx):
    attempt = make_attempt()
    item = attempt.assessment.items[0]
    submission = Submission(
        attempt_id=attempt.id,
        item_id=item.id,
        kind=SubmissionKind.FINAL,
        files={"solution.py": "x = 1\n"},
    )
    submission.results.append(
        TestResult(
            test_id="hidden/t.py::t",
            outcome="passed",
            points=2,
            max_points=2,
            visibility="hidden",
            skill="sql",
        )
    )
    db.session.add(submission)
    db.session.commit()
    db.session.expire_all()
    assert submission.status is SubmissionStatus.QUEUED
    assert submission.tries == 0
    assert [r.test_id for r in submission.results] == ["hidden/t.py::t"]


def test_draft_is_unique_per_item_and_keeps_snapshots(ctx):
    attempt = make_attempt()
    item = attempt.assessment.items[0]
    draft = Draft(attempt_id=attempt.id, item_id=item.id, files={"a.py": "1"}, revision=1)
    db.session.add(draft)
    db.session.flush()
    db.session.add(DraftSnapshot(draft_id=draft.id, revision=1, files={"a.py": "1"}))
    db.session.commit()
    assert [s.revision for s in draft.snapshots] == [1]
    db.session.add(Draft(attempt_id=attempt.id, item_id=item.id))
    with pytest.raises(IntegrityError):
        db.session.commit()


def test_utcnow_is_aware():
    assert utcnow().tzinfo is UTC


def test_editable_files_default_to_every_starter_file(ctx):
    version = make_version(
        files={"starter": {"a.py": "", "b.py": ""}, "tests": {}},
        meta={"summary": "no editable list"},
    )
    assert version.editable == ["a.py", "b.py"]
    version.meta = {"editable": ["b.py"]}
    assert version.editable == ["b.py"]
