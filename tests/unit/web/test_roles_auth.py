"""Route x role: signing in and out, and the set-password link, answer everyone alike."""

from __future__ import annotations

import pytest

from .roles import HIDDEN, LOGIN, OK, ROLES, STAFF_ROLES, Route, case_id, cases, check, everyone

pytestmark = pytest.mark.matrix

WRONG = {"email": "nobody@example.test", "password": "not the password"}

ROUTES = [
    everyone("GET", "/login", OK),  # the form, or home for the signed-in
    # Wrong credentials: 401 on the form again; the signed-in are sent home first.
    Route("POST", "/login", dict.fromkeys(ROLES, LOGIN) | dict.fromkeys(STAFF_ROLES, OK), WRONG),
    everyone("POST", "/logout", LOGIN),  # back to the sign-in page, whoever it was
    everyone("GET", "/password/{no_link}", HIDDEN),
    everyone("POST", "/password/{no_link}", HIDDEN, {"password": "x", "confirm": "x"}),
]


@pytest.mark.parametrize(("route", "role"), cases(ROUTES), ids=case_id)
def test_who_may_reach_it(app, client, auth, route, role):
    check(app, client, auth, route, role)
