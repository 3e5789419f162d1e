"""Route x role: scorecards, revisions, the comparison, its CSV export and the printable report.

Reviewing is reading: every role that may see an assessment (its viewers too) may review it.
"""

from __future__ import annotations

import pytest

from .roles import assessment_reader, case_id, cases, check

pytestmark = pytest.mark.matrix

ROUTES = [
    assessment_reader("GET", "/attempts/{attempt}/review"),
    assessment_reader("POST", "/attempts/{attempt}/review", {"notes": "Solid.", "save": "1"}),
    assessment_reader("POST", "/attempts/{attempt}/review/discard"),
    assessment_reader("GET", "/attempts/{attempt}/items/{item}/revisions"),
    assessment_reader("GET", "/attempts/{attempt}/print"),
    assessment_reader("GET", "/assessments/{assessment}/compare"),
    assessment_reader("GET", "/assessments/{assessment}/compare.csv"),
]


@pytest.mark.parametrize(("route", "role"), cases(ROUTES), ids=case_id)
def test_who_may_reach_it(app, client, auth, route, role):
    check(app, client, auth, route, role)
