"""Route x role: the catalog (every staff role) and library syncs (authors and admins)."""

from __future__ import annotations

import pytest

from .roles import case_id, cases, check, role_only, staff

pytestmark = pytest.mark.matrix

AUTHORS = {"author", "admin"}

ROUTES = [
    staff("GET", "/catalog/"),
    staff("GET", "/catalog/challenges/{challenge}"),
    role_only("GET", "/catalog/sync", AUTHORS),
    role_only("POST", "/catalog/sync", AUTHORS),
    role_only("GET", "/catalog/sync/{sync_run}", AUTHORS),
    role_only("GET", "/catalog/sync/{sync_run}/status", AUTHORS),
]


@pytest.mark.parametrize(("route", "role"), cases(ROUTES), ids=case_id)
def test_who_may_reach_it(app, client, auth, route, role):
    check(app, client, auth, route, role)
