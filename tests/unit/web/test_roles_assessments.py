"""Route x role: composing, editing, duplicating, archiving and sharing assessments.

Interviewers and admins list and create; the owner, an editor share and admins change one; a
viewer share sees it and its sharing but changes nothing; a stranger gets 404, an author 403.
"""

from __future__ import annotations

import pytest

from .roles import (
    INTERVIEWERS,
    assessment_reader,
    assessment_writer,
    case_id,
    cases,
    check,
    role_only,
)

pytestmark = pytest.mark.matrix

COMPOSED = {
    "title": "Round two",
    "duration_minutes": "45",
    "items-0-slug": "world-code",
    "items-0-weight": "2",
    "op": "save",
}


def share_with_target(world: dict) -> dict:
    return {"user_id": world["user"]}


EDITED = COMPOSED | {"items-1-slug": "world-design", "items-1-weight": "1"}

ROUTES = [
    role_only("GET", "/assessments", INTERVIEWERS),
    role_only("GET", "/assessments/new", INTERVIEWERS),
    role_only("POST", "/assessments/new", INTERVIEWERS, COMPOSED),
    assessment_writer("GET", "/assessments/{assessment}/edit"),
    assessment_writer("POST", "/assessments/{assessment}/edit", EDITED),
    assessment_reader("POST", "/assessments/{assessment}/duplicate"),
    assessment_writer("POST", "/assessments/{assessment}/archive"),
    assessment_writer("POST", "/assessments/{assessment}/restore"),
    assessment_reader("GET", "/assessments/{assessment}/sharing"),
    assessment_writer("POST", "/assessments/{assessment}/sharing", share_with_target),
    assessment_writer(
        "POST", "/assessments/{assessment}/sharing/{viewer_id}", {"access": "editor"}
    ),
    assessment_writer("POST", "/assessments/{assessment}/sharing/{viewer_id}/remove"),
]


@pytest.mark.parametrize(("route", "role"), cases(ROUTES), ids=case_id)
def test_who_may_reach_it(app, client, auth, route, role):
    check(app, client, auth, route, role)
