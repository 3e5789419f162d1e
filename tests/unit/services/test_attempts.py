from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from assessor.extensions import db
from assessor.models import (
    AttemptEvent,
    AttemptStatus,
    Draft,
    DraftSnapshot,
    Submission,
    SubmissionKind,
    utcnow,
)
from assessor.services import NotFound, attempts, finalization, telemetry
from assessor.services.attempts import (
    DraftConflict,
    DraftRejected,
    InvitationExpired,
    ItemSubmitted,
)
from assessor.services.deadlines import AttemptClosed
from assessor.services.signals import attempt_started
from assessor.services.telemetry import EventRejected
from tests.factories import make_assessment, make_attempt, make_version

STARTER = "def add(a, b):\n    raise NotImplementedError\n"
CODE_FILES = {
    "starter": {"adder.py": STARTER, "helpers.py": "OFFSET = 0\n"},
    "solution": {"adder.py": "SOLUTION-SENTINEL"},
    "wrong": {"off": {"adder.py": "WRONG-SENTINEL"}},
    "tests": {
        "public/test_public.py": "def test_public(): pass\n",
        "hidden/test_hidden.py": "HIDDEN-SENTINEL",
    },
}


def code_version():
    return make_version(files=CODE_FILES, meta={"editable": ["adder.py"], "summary": "Add."})


def design_version():
    return make_version(
        kind="design",
        files={"starter": {"answer.md": "# Answer\n"}, "tests": {}},
        meta={"editable": ["answer.md"]},
        manifest=[],
    )


@pytest.fixture
def invited(ctx):
    assessment = make_assessment(versions=[code_version(), design_version()], duration_minutes=45)
    return make_attempt(assessment)


@pytest.fixture
def started(invited):
    attempts.start(invited.id)
    return invited


def item_ids(attempt):
    return [item.id for item in attempt.assessment.items]


def snapshots(attempt):
    return db.session.scalar(
        select(func.count(DraftSnapshot.id)).join(Draft).where(Draft.attempt_id == attempt.id)
    )


def expire_deadline(attempt, seconds_ago=60):
    attempt.deadline_at = utcnow() - timedelta(seconds=seconds_ago)
    db.session.commit()


# --- Landing and start ----------------------------------------------------------------------


def test_landing_describes_the_assessment_and_what_is_recorded(invited):
    invited.extra_minutes = 15
    db.session.commit()
    info = attempts.landing(invited.id)
    assert (info.duration_minutes, info.extra_minutes) == (45, 15)
    assert [label for _, label in info.challenges] == ["code", "written answer"]
    assert info.status == "invited" and not info.lapsed
    assert any("paste" in line and "never what you pasted" in line for line in info.recorded)
    assert any("focus" in line for line in info.recorded)


def test_start_sets_the_deadline_from_duration_and_extra_minutes(invited):
    invited.extra_minutes = 10
    db.session.commit()
    sent = []

    def receiver(attempt_id, **kw):
        sent.append((attempt_id, kw["deadline"]))

    attempt_started.connect(receiver)
    try:
        before = utcnow()
        attempt = attempts.start(invited.id)
    finally:
        attempt_started.disconnect(receiver)
    assert attempt.status is AttemptStatus.STARTED
    assert attempt.started_at >= before
    assert attempt.deadline_at - attempt.started_at == timedelta(minutes=55)
    assert sent == [(attempt.id, attempt.deadline_at)]
    kinds = db.session.scalars(select(AttemptEvent.kind)).all()
    assert kinds == ["start"]


def test_starting_twice_keeps_the_first_deadline(started):
    deadline = started.deadline_at
    assert attempts.start(started.id).deadline_at == deadline
    assert db.session.scalar(select(func.count(AttemptEvent.id))) == 1


def test_a_lapsed_invitation_cannot_start_and_is_marked_expired(invited):
    invited.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    with pytest.raises(InvitationExpired, match="expired"):
        attempts.start(invited.id)
    db.session.refresh(invited)
    assert invited.status is AttemptStatus.EXPIRED
    assert invited.deadline_at is None
    assert attempts.landing(invited.id).lapsed


def test_a_submitted_attempt_cannot_start_again(started):
    finalization.finish_attempt(started.id)
    with pytest.raises(AttemptClosed, match="already been submitted"):
        attempts.start(started.id)


def test_settle_finalizes_an_attempt_past_its_deadline(started):
    expire_deadline(started)
    assert attempts.settle(started.id).status is AttemptStatus.SUBMITTED
    finals = db.session.scalars(
        select(Submission).where(Submission.kind == SubmissionKind.FINAL)
    ).all()
    assert len(finals) == 2


# --- Drafts ---------------------------------------------------------------------------------


def test_a_save_reads_twice_and_writes_twice(started):
    """The attempt (locked), then the item, draft and final in one query; update, snapshot."""
    code, _ = item_ids(started)
    attempts.save_draft(started.id, code, {"adder.py": "v1"}, 0)
    seen = []

    def statement(conn, cursor, sql, params, context, executemany):
        seen.append(sql.split()[0].upper())

    attempt_id = started.id
    event.listen(db.engine, "before_cursor_execute", statement)
    try:
        attempts.save_draft(attempt_id, code, {"adder.py": "v2"}, 1)
    finally:
        event.remove(db.engine, "before_cursor_execute", statement)
    assert seen == ["SELECT", "SELECT", "UPDATE", "INSERT"]
    assert db.session.scalar(select(Draft)).files == {"adder.py": "v2"}


def test_without_an_editable_list_every_starter_file_can_be_saved(ctx):
    files = {"starter": {"a.py": "A = 1\n", "b.py": "B = 2\n"}, "tests": {}}
    version = make_version(files=files, meta={"summary": "No list of editable files."})
    attempt = make_attempt(make_assessment(versions=[version]))
    attempts.start(attempt.id)
    (item,) = item_ids(attempt)
    saved = attempts.save_draft(attempt.id, item, {"b.py": "B = 3\n"}, 0)
    assert saved.revision == 1
    assert db.session.scalar(select(Draft)).files == {"a.py": "A = 1\n", "b.py": "B = 3\n"}
    with pytest.raises(DraftRejected):
        attempts.save_draft(attempt.id, item, {"c.py": ""}, 1)


def test_saves_bump_the_revision_and_keep_a_snapshot_each(started):
    code, _ = item_ids(started)
    first = attempts.save_draft(started.id, code, {"adder.py": "v1"}, 0)
    second = attempts.save_draft(started.id, code, {"adder.py": "v2"}, 1)
    assert (first.revision, second.revision) == (1, 2) and first.changed and second.changed
    draft = db.session.scalar(select(Draft))
    assert draft.files == {"adder.py": "v2"} and draft.revision == 2
    assert [(s.revision, s.files["adder.py"]) for s in draft.snapshots] == [(1, "v1"), (2, "v2")]


def test_identical_content_creates_no_revision(started):
    code, _ = item_ids(started)
    attempts.save_draft(started.id, code, {"adder.py": "v1"}, 0)
    again = attempts.save_draft(started.id, code, {"adder.py": "v1"}, 1)
    assert (again.revision, again.changed) == (1, False)
    assert snapshots(started) == 1


def test_saving_the_untouched_starter_creates_nothing(started):
    code, _ = item_ids(started)
    saved = attempts.save_draft(started.id, code, {"adder.py": STARTER}, 0)
    assert (saved.revision, saved.changed) == (0, False)
    assert db.session.scalar(select(func.count(Draft.id))) == 0


def test_a_stale_revision_is_refused_and_the_newer_work_kept(started):
    code, _ = item_ids(started)
    attempts.save_draft(started.id, code, {"adder.py": "from tab A"}, 0)
    attempts.save_draft(started.id, code, {"adder.py": "from tab A, again"}, 1)
    with pytest.raises(DraftConflict) as caught:
        attempts.save_draft(started.id, code, {"adder.py": "from stale tab B"}, 1)
    assert caught.value.current_revision == 2
    assert caught.value.status == 409
    assert "another tab" in str(caught.value)
    draft = db.session.scalar(select(Draft))
    assert draft.files == {"adder.py": "from tab A, again"} and draft.revision == 2
    assert snapshots(started) == 2


def test_a_stale_tab_repeating_the_current_text_is_not_a_conflict(started):
    code, _ = item_ids(started)
    attempts.save_draft(started.id, code, {"adder.py": "same"}, 0)
    assert attempts.save_draft(started.id, code, {"adder.py": "same"}, 0).revision == 1


def test_a_stale_first_save_is_refused_too(started):
    code, _ = item_ids(started)
    attempts.save_draft(started.id, code, {"adder.py": "first"}, 0)
    with pytest.raises(DraftConflict):
        attempts.save_draft(started.id, code, {"adder.py": "other"}, 0)


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"helpers.py": "OFFSET = 1\n"}, "not a file you can edit"),
        ({"solution.py": "x"}, "not a file you can edit"),
        ({"../adder.py": "x"}, "not a file you can edit"),
        ({"adder.py": 42}, "must be text"),
        ({"adder.py": "nul\x00byte"}, "must be text"),
        ({"adder.py": "x" * (300 * 1024)}, "over the 256 KB file limit"),
        ({}, "at least one file"),
        (["adder.py"], "at least one file"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_saved(started, files, message):
    code, _ = item_ids(started)
    attempts.save_draft(started.id, code, {"adder.py": "kept"}, 0)
    with pytest.raises(DraftRejected, match=message):
        attempts.save_draft(started.id, code, files, 1)
    assert db.session.scalar(select(Draft)).files == {"adder.py": "kept"}


@pytest.mark.parametrize("revision", [None, "1", True, -1, 1.0])
def test_a_save_needs_a_whole_revision(started, revision):
    code, _ = item_ids(started)
    with pytest.raises(DraftRejected, match="revision"):
        attempts.save_draft(started.id, code, {"adder.py": "x"}, revision)


def test_saves_are_refused_after_the_deadline_but_not_within_the_grace(started):
    code, _ = item_ids(started)
    expire_deadline(started, seconds_ago=2)  # NETWORK_GRACE is 5 s
    assert attempts.save_draft(started.id, code, {"adder.py": "just in time"}, 0).revision == 1
    expire_deadline(started, seconds_ago=60)
    with pytest.raises(AttemptClosed, match="Time is up"):
        attempts.save_draft(started.id, code, {"adder.py": "too late"}, 1)
    assert db.session.scalar(select(Draft)).files == {"adder.py": "just in time"}


def test_saves_are_refused_before_the_start(invited):
    code, _ = item_ids(invited)
    with pytest.raises(AttemptClosed, match="not started"):
        attempts.save_draft(invited.id, code, {"adder.py": "x"}, 0)


def test_a_submitted_challenge_no_longer_saves(started):
    code, design = item_ids(started)
    finalization.submit_item(started.id, code)
    with pytest.raises(ItemSubmitted):
        attempts.save_draft(started.id, code, {"adder.py": "after"}, 0)
    assert attempts.save_draft(started.id, design, {"answer.md": "still open"}, 0).revision == 1


def test_an_item_of_another_assessment_is_not_found(started):
    other = make_attempt()
    with pytest.raises(NotFound):
        attempts.save_draft(started.id, other.assessment.items[0].id, {"solution.py": "x"}, 0)


def test_the_final_submission_takes_the_saved_draft(started):
    code, _ = item_ids(started)
    attempts.save_draft(started.id, code, {"adder.py": "def add(a, b):\n    return a + b\n"}, 0)
    final = finalization.submit_item(started.id, code)
    assert final.files == {"adder.py": "def add(a, b):\n    return a + b\n"}
    assert final.draft_revision == 1


# --- Workspace ------------------------------------------------------------------------------


def test_workspace_overlays_drafts_and_shows_only_public_tests(started):
    code, design = item_ids(started)
    attempts.save_draft(started.id, code, {"adder.py": "mine"}, 0)
    ws = attempts.workspace(started.id)
    first, second = ws.items
    assert (first.id, first.kind, first.revision, first.submitted) == (code, "code", 1, False)
    files = {f.path: (f.text, f.editable, f.language) for f in first.files}
    assert files == {
        "adder.py": ("mine", True, "python"),
        "helpers.py": ("OFFSET = 0\n", False, "python"),
        "tests/public/test_public.py": ("def test_public(): pass\n", False, "python"),
    }
    assert [(f.path, f.editable, f.language) for f in second.files] == [
        ("answer.md", True, "markdown")
    ]
    assert second.id == design
    text = repr(ws)
    for secret in ("SOLUTION-SENTINEL", "WRONG-SENTINEL", "HIDDEN-SENTINEL", "hidden/"):
        assert secret not in text


def test_workspace_needs_a_running_attempt(invited):
    with pytest.raises(AttemptClosed):
        attempts.workspace(invited.id)


# --- Runs and telemetry ---------------------------------------------------------------------


def test_a_run_is_queued_and_noted_on_the_timeline(started):
    code, _ = item_ids(started)
    run = attempts.run_tests(started.id, code, {"adder.py": "def add(a, b): return a + b\n"})
    assert run.kind is SubmissionKind.RUN
    event = db.session.scalar(select(AttemptEvent).where(AttemptEvent.kind == "run"))
    assert event.data == {"submission_id": run.id} and event.item_id == code
    assert attempts.run_of(started.id, run.id) is run
    assert attempts.workspace(started.id).items[0].last_run_id == run.id


def test_another_attempts_run_is_not_found(started):
    code, _ = item_ids(started)
    run = attempts.run_tests(started.id, code, {"adder.py": "x = 1\n"})
    other = make_attempt(started.assessment, status=AttemptStatus.STARTED)
    with pytest.raises(NotFound):
        attempts.run_of(other.id, run.id)


def test_paste_events_keep_the_size_only(started):
    code, _ = item_ids(started)
    assert telemetry.record_event(started.id, "paste", item_id=code, data={"size": 120})
    event = db.session.scalar(select(AttemptEvent).where(AttemptEvent.kind == "paste"))
    assert (event.item_id, event.data) == (code, {"size": 120})


@pytest.mark.parametrize(
    ("kind", "data"),
    [
        ("paste", {"size": 3, "text": "abc"}),
        ("paste", {"size": -1}),
        ("paste", {"size": "3"}),
        ("paste", {}),
        ("focus_lost", {"note": "x"}),
        ("focus_regained", {"away_ms": "long"}),
        ("keystroke", {}),
        ("start", {}),
        ("paste", ["size"]),
    ],
)
def test_bad_events_are_refused(started, kind, data):
    with pytest.raises(EventRejected):
        telemetry.record_event(started.id, kind, data=data)
    assert (
        db.session.scalar(select(func.count(AttemptEvent.id)).where(AttemptEvent.kind != "start"))
        == 0
    )


def test_focus_events_are_recorded(started):
    telemetry.record_event(started.id, "focus_lost")
    telemetry.record_event(started.id, "focus_regained", data={"away_ms": 4200})
    rows = db.session.execute(
        select(AttemptEvent.kind, AttemptEvent.data).order_by(AttemptEvent.id)
    ).all()
    assert rows[1:] == [("focus_lost", {}), ("focus_regained", {"away_ms": 4200})]


def test_events_stop_at_the_quota(started, monkeypatch):
    monkeypatch.setattr(telemetry, "MAX_EVENTS_PER_ATTEMPT", 3)  # the start event counts
    assert telemetry.record_event(started.id, "focus_lost")
    assert telemetry.record_event(started.id, "focus_lost")
    assert not telemetry.record_event(started.id, "focus_lost")
    assert db.session.scalar(select(func.count(AttemptEvent.id))) == 3


def test_events_are_refused_after_the_deadline(started):
    expire_deadline(started)
    with pytest.raises(AttemptClosed):
        telemetry.record_event(started.id, "focus_lost")
