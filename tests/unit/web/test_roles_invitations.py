"""Route x role: the invitation pages and actions.

Viewers see the list and each invitation, but only managers (owner, editor share, admin) invite,
copy links, resend, re-issue, revoke or extend; a stranger gets 404 and an author 403.
"""

from __future__ import annotations

import pytest

from .roles import assessment_reader, assessment_writer, case_id, cases, check

pytestmark = pytest.mark.matrix

ONE = {"one-name": "Nia New", "one-email": "nia@example.test"}
ONE |= {"one-valid_days": "7", "one-extra_minutes": "0", "one-send_email": "y"}

ROUTES = [
    assessment_reader("GET", "/assessments/{assessment}/invitations"),
    assessment_writer("GET", "/assessments/{assessment}/invitations/new"),
    assessment_writer("POST", "/assessments/{assessment}/invitations/new", ONE),
    assessment_reader("GET", "/invitations/{invitation}"),
    assessment_writer("POST", "/invitations/{invitation}/link"),
    assessment_writer("POST", "/invitations/{invitation}/resend"),
    assessment_writer("POST", "/invitations/{invitation}/reissue", {"send_email": "y"}),
    assessment_writer("POST", "/invitations/{invitation}/revoke"),
    assessment_writer("POST", "/invitations/{invitation}/extend", {"valid_days": "3"}),
]


@pytest.mark.parametrize(("route", "role"), cases(ROUTES), ids=case_id)
def test_who_may_reach_it(app, client, auth, route, role):
    check(app, client, auth, route, role)
