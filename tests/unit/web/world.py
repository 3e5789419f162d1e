"""The route x role world: one of everything a route may act on, built once, copied per case.

Building it takes a few hundred milliseconds. On SQLite each case gets instead a fresh copy of
the kept database file of one built world, so a case that writes leaves the next one untouched.
On PostgreSQL each case builds its own.
"""

from __future__ import annotations

import copy
import dataclasses
import time
from typing import Any

from assessor.extensions import db
from assessor.models import (
    AssessmentShare,
    AttemptStatus,
    Role,
    ShareAccess,
    Submission,
    SubmissionKind,
    SubmissionStatus,
)
from assessor.services import attempts, library_sync
from assessor.services.invitations import issue_token
from tests.factories import make_assessment, make_attempt, make_user, make_version
from tests.fresh_databases import capture, restore, sqlite_file

LIVE_TOKEN = "world-live-token-" + "l" * 28  # the candidate's attempt, started
OTHER_TOKEN = "world-other-token-" + "o" * 27  # another candidate's attempt, the intruder's
# A kept world older than this is built again: the live attempt's clock started at the build,
# and a case run an hour later (a long or reordered session) would find its time up.
FRESH_FOR_S = 300


@dataclasses.dataclass(frozen=True)
class KeptWorld:
    """A built world: its names, the image of its database, and when it was built."""

    names: dict[str, Any]
    image: bytes
    built_at: float


# By SECRET_KEY (the links are derived from it) and the tables of the schema.
_kept: dict[tuple, KeptWorld] = {}


def enter_world(app) -> dict[str, Any]:
    """Give the app's fresh database a pristine world; return the world's names -> values."""
    if sqlite_file(app) is None:
        with app.app_context():
            return build_world()
    key = (app.config["SECRET_KEY"], tuple(sorted(db.metadata.tables)))
    kept = _kept.get(key)
    if kept is None or time.monotonic() - kept.built_at > FRESH_FOR_S:
        built_at = time.monotonic()
        with app.app_context():
            names = build_world()
        _kept[key] = KeptWorld(names, capture(app), built_at)
    else:
        restore(app, kept.image)
        names = kept.names
    return copy.deepcopy(names)


def build_world() -> dict[str, Any]:
    """Create one of everything a staff route may act on; return names -> ids and values."""
    people = {
        "admin": make_user(Role.ADMIN),
        "author": make_user(Role.AUTHOR),
        "owner": make_user(Role.INTERVIEWER),
        "viewer": make_user(Role.INTERVIEWER),
        "editor": make_user(Role.INTERVIEWER),
        "stranger": make_user(Role.INTERVIEWER),
    }
    code = make_version("world-code")
    design = make_version(
        "world-design",
        kind="design",
        manifest=[],
        files={"starter": {"answer.md": "# Answer\n"}, "tests": {}},
        meta={"editable": ["answer.md"]},
    )
    design.rubric = [{"id": "scale", "title": "Scaling", "points": 5, "guidance": "Shards."}]
    assessment = make_assessment(people["owner"], versions=[code, design])
    db.session.add_all(
        [
            AssessmentShare(assessment_id=assessment.id, user_id=people["viewer"].id),
            AssessmentShare(
                assessment_id=assessment.id,
                user_id=people["editor"].id,
                access=ShareAccess.EDITOR,
            ),
        ]
    )
    attempt = make_attempt(assessment, status=AttemptStatus.SUBMITTED)
    submission = Submission(
        attempt_id=attempt.id,
        item_id=assessment.items[0].id,
        kind=SubmissionKind.FINAL,
        status=SubmissionStatus.GRADED,
        files={"solution.py": "def f():\n    return 1\n"},
        score=1.0,
        max_score=4.0,
    )
    db.session.add(submission)
    target = make_user(Role.INTERVIEWER)  # a staff member an admin acts upon
    invitation = make_attempt(assessment)  # not started, with a link staff can copy
    issue_token(invitation)
    live = make_attempt(assessment, token=LIVE_TOKEN)
    other = make_attempt(assessment, token=OTHER_TOKEN)
    attempts.start(live.id)
    attempts.start(other.id)
    run = Submission(
        attempt_id=live.id,
        item_id=assessment.items[0].id,
        kind=SubmissionKind.RUN,
        status=SubmissionStatus.GRADED,
        files={"solution.py": "def f():\n    return 1\n"},
    )
    db.session.add(run)
    db.session.commit()
    return {
        "emails": {role: person.email for role, person in people.items()},
        "viewer_id": people["viewer"].id,
        "sync_run": library_sync._open(people["author"].id, None, "web"),
        "assessment": assessment.id,
        "attempt": attempt.id,
        "item": assessment.items[0].id,
        "design_item": assessment.items[1].id,
        "submission": submission.id,
        "challenge": "world-code",
        "version": code.id,
        "user": target.id,
        "invitation": invitation.id,
        "live": live.id,
        "live_token": LIVE_TOKEN,
        "live_run": run.id,
        "rest": "work",  # a page path after an old-style link
        "no_link": "not-a-valid-link",
    }
