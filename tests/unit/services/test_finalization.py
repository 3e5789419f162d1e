from datetime import timedelta

import pytest
from sqlalchemy import select

from assessor.extensions import db
from assessor.models import (
    AttemptStatus,
    Draft,
    Submission,
    SubmissionKind,
    SubmissionStatus,
    utcnow,
)
from assessor.services import finalization, submissions
from assessor.services.deadlines import AttemptClosed
from assessor.services.signals import submission_queued
from tests.factories import make_assessment, make_attempt, make_version

DESIGN_FILES = {"starter": {"answer.md": "# Answer\n"}, "tests": {}}


@pytest.fixture
def queued_ids():
    seen = []

    def receiver(submission_id, **_):
        seen.append(submission_id)

    submission_queued.connect(receiver)
    yield seen
    submission_queued.disconnect(receiver)


@pytest.fixture
def started(adder_version):
    design = make_version(
        "design-one",
        kind="design",
        files=DESIGN_FILES,
        meta={"editable": ["answer.md"]},
        manifest=[],
    )
    attempt = make_attempt(
        make_assessment(versions=[adder_version, design]), status=AttemptStatus.STARTED
    )
    attempt.started_at = utcnow()
    attempt.deadline_at = utcnow() + timedelta(minutes=30)
    db.session.commit()
    return attempt


def finals(attempt):
    return db.session.scalars(
        select(Submission).where(
            Submission.attempt_id == attempt.id, Submission.kind == SubmissionKind.FINAL
        )
    ).all()


def test_finish_submits_latest_draft_or_starter_once(started, queued_ids):
    code_item = started.assessment.items[0]
    db.session.add(
        Draft(
            attempt_id=started.id,
            item_id=code_item.id,
            revision=7,
            files={"adder.py": "def add(a, b):\n    return a + b\n", "helpers.py": "OFFSET = 99\n"},
        )
    )
    db.session.commit()
    result = finalization.finish_attempt(started.id)
    assert len(result) == 2
    code, design = sorted(finals(started), key=lambda s: s.item_id)
    assert code.files == {"adder.py": "def add(a, b):\n    return a + b\n"}  # editable only
    assert code.draft_revision == 7 and code.status is SubmissionStatus.QUEUED
    assert design.files == {"answer.md": "# Answer\n"}
    assert design.status is SubmissionStatus.GRADED and design.outcome == "manual_review"
    assert queued_ids == [code.id]  # only code waits for a worker
    db.session.refresh(started)
    assert started.status is AttemptStatus.SUBMITTED
    # Idempotent: a second finish (double click, sweep racing the candidate) adds nothing.
    finalization.finish_attempt(started.id)
    assert len(finals(started)) == 2 and queued_ids == [code.id]


def test_submit_item_then_finish_keeps_the_first_final(started):
    code_item = started.assessment.items[0]
    first = finalization.submit_item(started.id, code_item.id)
    assert finalization.submit_item(started.id, code_item.id).id == first.id
    finalization.finish_attempt(started.id)
    assert sum(1 for s in finals(started) if s.item_id == code_item.id) == 1


def test_sweep_finalizes_only_past_deadline(started):
    assert finalization.sweep_expired() == []
    started.deadline_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert finalization.sweep_expired() == [started.id]
    db.session.refresh(started)
    assert started.status is AttemptStatus.SUBMITTED
    assert started.submitted_at == started.deadline_at  # stamped at the deadline, not late
    assert len(finals(started)) == 2


def test_writes_after_deadline_are_refused(started):
    started.deadline_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    item = started.assessment.items[0]
    with pytest.raises(AttemptClosed, match="Time is up"):
        finalization.submit_item(started.id, item.id)
    with pytest.raises(AttemptClosed):
        submissions.request_run(started.id, item.id, {"adder.py": "x = 1\n"})
    with pytest.raises(AttemptClosed):
        finalization.finish_attempt(started.id, reason="candidate")
    # ...but the server itself still finalizes.
    assert finalization.finalize_if_due(started.id)


def test_one_run_in_flight_and_a_per_minute_limit(started):
    item = started.assessment.items[0]
    run = submissions.request_run(started.id, item.id, {"adder.py": "x = 1\n"})
    with pytest.raises(submissions.RunInFlight):
        submissions.request_run(started.id, item.id, {"adder.py": "x = 2\n"})
    for _ in range(submissions.RUNS_PER_MINUTE - 1):
        run.status = SubmissionStatus.GRADED
        db.session.commit()
        run = submissions.request_run(started.id, item.id, {"adder.py": "x = 3\n"})
    run.status = SubmissionStatus.GRADED
    db.session.commit()
    with pytest.raises(submissions.RunRateLimited):
        submissions.request_run(started.id, item.id, {"adder.py": "x = 4\n"})


def test_run_refuses_forbidden_files_clearly(started):
    item = started.assessment.items[0]
    with pytest.raises(submissions.SubmissionRejected) as info:
        submissions.request_run(
            started.id, item.id, {"conftest.py": "import os\n", "adder.py": "x = 1\n"}
        )
    assert any("conftest.py" in p for p in info.value.problems)
    assert db.session.scalar(select(Submission)) is None


def test_run_of_another_assessments_item_is_not_found(started, adder_version):
    other = make_attempt(make_assessment(versions=[adder_version]))
    with pytest.raises(submissions.NotFound):
        submissions.request_run(started.id, other.assessment.items[0].id, {"adder.py": ""})
