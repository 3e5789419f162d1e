"""A service challenge: the candidate picks a language, and works only in its folder."""

import pytest
from sqlalchemy import select

from assessor.extensions import db
from assessor.models import AttemptEvent, Draft, Submission, SubmissionKind
from assessor.services import attempts, finalization
from assessor.services.attempts import DraftRejected, ItemSubmitted, LanguageRejected
from assessor.services.submissions import (
    LanguageNotChosen,
    SubmissionRejected,
    candidate_files,
)
from assessor.services.timeline import describe
from tests.factories import make_assessment, make_attempt, make_version

from .service_versions import service_version

NODE = "// mine\n"


@pytest.fixture
def version(ctx):
    return service_version()


@pytest.fixture
def attempt(version):
    code = make_version(files={"starter": {"solution.py": "x = 1\n"}, "tests": {}})
    attempt = make_attempt(make_assessment(versions=[version, code]))
    attempts.start(attempt.id)
    return attempt


@pytest.fixture
def item(attempt):
    return attempt.assessment.items[0].id


def ws_item(attempt, item_id):
    return next(i for i in attempts.workspace(attempt.id).items if i.id == item_id)


def paths(ws):
    return [f.path for f in ws.files]


def events(attempt):
    return list(db.session.scalars(select(AttemptEvent).where(AttemptEvent.kind == "language")))


# --- candidate_files ---------------------------------------------------------------------------


def test_candidate_files_of_a_service_hold_only_the_chosen_language(version):
    saved = {"node/server.js": NODE, "python/app.py": "# py\n"}
    assert candidate_files(version, saved, "node") == {"node/server.js": NODE}
    assert list(candidate_files(version, None, "python")) == ["python/app.py"]
    assert candidate_files(version, saved) == {}  # no language chosen: nothing to edit
    assert candidate_files(version, saved, "go") == {}  # not one the challenge allows


def test_candidate_files_of_other_kinds_ignore_languages(ctx):
    code = make_version(files={"starter": {"solution.py": "x = 1\n"}, "tests": {}})
    assert candidate_files(code, None, "node") == {"solution.py": "x = 1\n"}


# --- The workspace -----------------------------------------------------------------------------


def test_before_a_choice_the_workspace_offers_languages_and_only_the_public_tests(attempt, item):
    ws = ws_item(attempt, item)
    assert ws.languages == [
        {"name": "python", "label": "Python"},
        {"name": "node", "label": "Node.js"},
    ]
    assert ws.language is None
    assert not any(f.editable for f in ws.files)
    assert "tests/conftest.py" in paths(ws) and "tests/public/test_greet_public.py" in paths(ws)
    assert not any("hidden" in p or p.startswith(("node/", "python/")) for p in paths(ws))


def test_other_kinds_offer_no_language(attempt):
    code = ws_item(attempt, attempt.assessment.items[1].id)
    assert (code.languages, code.language) == ([], None)
    assert [f.path for f in code.files if f.editable] == ["solution.py"]


def test_choosing_a_language_shows_its_files_highlighted_and_records_the_event(attempt, item):
    chosen = attempts.choose_language(attempt.id, item, "node")
    assert chosen.language == "node"
    editable = [(f.path, f.language) for f in chosen.files if f.editable]
    assert editable == [("node/server.js", "javascript")]
    assert not any(p.startswith("python/") for p in paths(chosen))
    draft = db.session.scalar(select(Draft))
    assert (draft.language, draft.revision, draft.files) == ("node", 0, {})
    [event] = events(attempt)
    assert (event.item_id, event.data) == (item, {"language": "node"})
    assert describe(event, {}) == (
        "language",
        "Chose Node.js as the language of this challenge.",
    )
    assert ws_item(attempt, item).language == "node"


def test_choosing_the_same_language_again_records_nothing_new(attempt, item):
    attempts.choose_language(attempt.id, item, "node")
    attempts.choose_language(attempt.id, item, "node")
    assert len(events(attempt)) == 1


@pytest.mark.parametrize("language", ["go", "", None, 3, "Node.js"])
def test_a_language_the_challenge_does_not_allow_is_refused(attempt, item, language):
    with pytest.raises(LanguageRejected, match=r"Python \(python\), Node.js \(node\)"):
        attempts.choose_language(attempt.id, item, language)
    assert db.session.scalar(select(Draft)) is None


def test_a_challenge_without_languages_refuses_a_choice(attempt):
    with pytest.raises(LanguageRejected, match="no language to choose"):
        attempts.choose_language(attempt.id, attempt.assessment.items[1].id, "python")


def test_a_submitted_challenge_cannot_change_language(attempt, item):
    attempts.choose_language(attempt.id, item, "python")
    finalization.submit_item(attempt.id, item)
    with pytest.raises(ItemSubmitted):
        attempts.choose_language(attempt.id, item, "node")


# --- Saving and running ------------------------------------------------------------------------


def test_a_save_before_choosing_a_language_is_refused(attempt, item):
    with pytest.raises(LanguageNotChosen, match="Choose the language"):
        attempts.save_draft(attempt.id, item, {"node/server.js": NODE}, 0)


def test_a_save_outside_the_chosen_language_is_refused(attempt, item):
    attempts.choose_language(attempt.id, item, "node")
    with pytest.raises(DraftRejected, match=r"not in the Node.js folder you chose \(node/\)"):
        attempts.save_draft(attempt.id, item, {"python/app.py": "# py\n"}, 0)


def test_switching_language_keeps_each_languages_files(attempt, item):
    attempts.choose_language(attempt.id, item, "node")
    assert attempts.save_draft(attempt.id, item, {"node/server.js": NODE}, 0).revision == 1
    python = attempts.choose_language(attempt.id, item, "python")
    assert [f.path for f in python.files if f.editable] == ["python/app.py"]
    attempts.save_draft(attempt.id, item, {"python/app.py": "# py\n"}, 1)
    back = attempts.choose_language(attempt.id, item, "node")
    assert {f.path: f.text for f in back.files if f.editable} == {"node/server.js": NODE}
    draft = db.session.scalar(select(Draft))
    assert draft.files == {"node/server.js": NODE, "python/app.py": "# py\n"}
    assert [e.data["language"] for e in events(attempt)] == ["node", "python", "node"]


def test_the_final_submission_holds_only_the_chosen_language(attempt, item):
    attempts.choose_language(attempt.id, item, "python")
    attempts.save_draft(attempt.id, item, {"python/app.py": "# py\n"}, 0)
    attempts.choose_language(attempt.id, item, "node")
    attempts.save_draft(attempt.id, item, {"node/server.js": NODE}, 1)
    final = finalization.submit_item(attempt.id, item)
    assert final.files == {"node/server.js": NODE}


def test_a_final_submission_without_a_language_holds_no_files(attempt, item):
    final = finalization.submit_item(attempt.id, item)
    assert final.files == {}


def test_a_run_needs_a_language_and_its_folder(attempt, item):
    with pytest.raises(LanguageNotChosen):
        attempts.run_tests(attempt.id, item, {"node/server.js": NODE})
    attempts.choose_language(attempt.id, item, "node")
    with pytest.raises(SubmissionRejected, match=r"not in the Node\.js folder"):
        attempts.run_tests(attempt.id, item, {"python/app.py": "# py\n"})
    run = attempts.run_tests(attempt.id, item, {"node/server.js": NODE})
    stored = db.session.get(Submission, run.id)
    assert (stored.kind, stored.files) == (SubmissionKind.RUN, {"node/server.js": NODE})


def test_saving_the_starter_unchanged_after_a_pick_creates_no_revision(attempt, item, version):
    chosen = attempts.choose_language(attempt.id, item, "node")
    starter = {f.path: f.text for f in chosen.files if f.editable}
    saved = attempts.save_draft(attempt.id, item, starter, 0)
    assert (saved.revision, saved.changed) == (0, False)
    attempts.save_draft(attempt.id, item, {"node/server.js": NODE}, 0)
    # The first revision holds every language's files, so the reviewer's diffs start from
    # the starter code rather than from nothing.
    python_starter = version.files["starter"]["python/app.py"]
    [snapshot] = db.session.scalar(select(Draft)).snapshots
    assert snapshot.files == {"node/server.js": NODE, "python/app.py": python_starter}


def test_a_final_submission_without_a_language_scores_nothing_and_says_why(attempt, item):
    from assessor.models import Submission, SubmissionKind, SubmissionStatus
    from assessor.services import grading

    submission = Submission(
        attempt_id=attempt.id, item_id=item, kind=SubmissionKind.FINAL, files={}
    )
    db.session.add(submission)
    db.session.commit()
    sid = submission.id
    # No sandbox is needed: nothing is built or run, so the backend must never be called.
    assert grading.grade(sid, object(), "img") is SubmissionStatus.GRADED
    graded = db.session.get(Submission, sid)
    assert graded.score == 0 and graded.max_score == 3
    assert "no language was chosen" in graded.error
    assert {r.outcome for r in graded.results} == {"failed"}
