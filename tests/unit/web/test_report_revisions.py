"""Saved revisions played back with the change since the previous one; the timeline in words."""

import re
from datetime import timedelta

import pytest

from assessor.extensions import db
from assessor.models import AttemptEvent, Draft, DraftSnapshot, Submission, SubmissionKind, utcnow
from assessor.services.revisions import line_changes, playback
from assessor.services.timeline import describe
from tests.unit.rounds import Round

HOSTILE = 'x = "</pre><script>alert(1)</script>"\n'
REVISIONS = [
    "def f():\n    return 0\n# wip\n",
    "def f():\n    x = 1\n    return x\n",
    "def f():\n    return 1\n" + HOSTILE,
]


@pytest.fixture
def saved(ctx):
    rnd = Round()
    attempt = rnd.candidate()
    start = attempt.started_at
    draft = Draft(
        attempt_id=attempt.id,
        item_id=rnd.code.id,
        files={"solution.py": REVISIONS[-1]},
        revision=len(REVISIONS),
    )
    db.session.add(draft)
    db.session.flush()
    for number, text in enumerate(REVISIONS, 1):
        db.session.add(
            DraftSnapshot(
                draft_id=draft.id,
                revision=number,
                files={"solution.py": text},
                created_at=start + timedelta(minutes=5 * number),
            )
        )
    db.session.add(
        Submission(
            attempt_id=attempt.id,
            item_id=rnd.code.id,
            kind=SubmissionKind.FINAL,
            status="graded",
            score=1.0,
            max_score=4.0,
            files={"solution.py": REVISIONS[-1]},
            draft_revision=3,
            finished_at=start + timedelta(minutes=36),
        )
    )
    db.session.commit()
    return rnd, attempt


def test_playback_steps_from_the_starter_through_each_revision(saved):
    rnd, attempt = saved
    play = playback(attempt.id, rnd.code.id)
    assert [s.revision for s in play.steps] == [0, 1, 2, 3]
    assert play.current.revision == 3 and play.previous == 2 and play.next is None
    assert play.final_revision == 3
    second = playback(attempt.id, rnd.code.id, 2)
    assert (second.previous, second.next) == (1, 3)
    assert (second.current.added, second.current.removed) == (2, 2)
    [change] = second.files
    assert change.before == REVISIONS[0] and change.after == REVISIONS[1]
    first = playback(attempt.id, rnd.code.id, 0)
    assert first.previous is None and first.current.at is None


def test_line_changes_count_added_and_removed_lines():
    assert line_changes("a\nb\nc\n", "a\nB\nc\nd\n") == (2, 1)
    assert line_changes("same", "same") == (0, 0)


def test_the_viewer_shows_an_escaped_diff_and_steps(client, auth, saved):
    rnd, attempt = saved
    auth.login(rnd.viewer.email)
    base = f"/attempts/{attempt.id}/items/{rnd.code.id}/revisions"
    html = client.get(f"{base}?revision=3").get_data(as_text=True)
    assert "Revision 3 of 3" in html and "the revision that was submitted" in html
    assert "revision-2/solution.py" in html and "revision-3/solution.py" in html
    assert "<script>alert(1)</script>" not in html and "&lt;/pre&gt;&lt;script&gt;" in html
    assert f'href="{base}?revision=2"' in html and 'rel="prev"' in html
    assert "playback.js" in html and "<script>" not in html.replace("<script src=", "")
    starter = client.get(f"{base}?revision=0").get_data(as_text=True)
    assert "The starter code" in starter and 'rel="prev"' not in starter


def test_an_item_of_another_assessment_is_not_found(client, auth, saved):
    rnd, attempt = saved
    other = Round()
    auth.login(rnd.owner.email)
    response = client.get(f"/attempts/{attempt.id}/items/{other.code.id}/revisions")
    assert response.status_code == 404


def test_the_timeline_reads_as_sentences_and_links_each_revision(client, auth, saved):
    rnd, attempt = saved
    at = attempt.started_at
    db.session.add_all(
        [
            AttemptEvent(
                attempt_id=attempt.id,
                kind="start",
                data={"deadline_at": attempt.deadline_at.isoformat()},
                at=at,
            ),
            AttemptEvent(attempt_id=attempt.id, kind="paste", data={"size": 1200}, at=at),
            AttemptEvent(attempt_id=attempt.id, kind="focus_lost", data={}, at=at),
            AttemptEvent(
                attempt_id=attempt.id, kind="focus_regained", data={"away_ms": 75000}, at=at
            ),
            AttemptEvent(attempt_id=attempt.id, kind="finish", data={"reason": "deadline"}, at=at),
        ]
    )
    db.session.commit()
    auth.login(rnd.owner.email)
    html = client.get(f"/attempts/{attempt.id}").get_data(as_text=True)
    for sentence in (
        f"Started the assessment; the deadline was set to {attempt.deadline_at:%H:%M} UTC.",
        "Pasted 1,200 characters into the editor.",
        "Left the assessment page.",
        "Came back after 1 min 15 s.",
        "Time ran out; the server submitted the work.",
        "Saved revision 1 (1 line added, 0 removed).",
        "Graded: 1 of 4 points.",
        "+0:05:00",
    ):
        assert sentence in html, sentence
    sentences = [re.sub(r"<[^>]+>", "", t) for t in re.findall(r'"sentence">(.*?)</td>', html)]
    assert len(sentences) >= 9 and not [t for t in sentences if "=" in t], "no raw key=value"
    base = f"/attempts/{attempt.id}/items/{rnd.code.id}/revisions"
    assert f'href="{base}?revision=2"' in html
    assert f'<a href="{base}">3 saved revision' in html


def test_a_run_reads_with_its_result_and_unknown_events_still_read_plainly(saved):
    rnd, attempt = saved
    run = Submission(
        attempt_id=attempt.id,
        item_id=rnd.code.id,
        kind=SubmissionKind.RUN,
        status="graded",
        outcome="timed_out",
        score=1.0,
        max_score=2.0,
    )
    db.session.add(run)
    db.session.commit()
    event = AttemptEvent(kind="run", data={"submission_id": run.id}, at=utcnow())
    assert describe(event, {run.id: run}) == (
        "run",
        "Ran the public tests: 1 of 2 points (the run timed out).",
    )
    odd = AttemptEvent(kind="clipboard_blocked", data={"tries": 3, "where_from": "menu"})
    assert describe(odd, {}) == ("other", "Clipboard blocked (tries: 3; where from: menu).")
