"""Route x role: staff accounts and the audit log are for admins only."""

import pytest

from .roles import case_id, cases, check, role_only

pytestmark = pytest.mark.matrix

ADMIN = {"admin"}

ROUTES = [
    role_only("GET", "/admin/users", ADMIN),
    role_only("GET", "/admin/users/new", ADMIN),
    role_only(
        "POST",
        "/admin/users/new",
        ADMIN,
        {"email": "fresh@example.test", "name": "Fresh", "role": "author", "method": "invite"},
    ),
    role_only("GET", "/admin/users/{user}", ADMIN),
    role_only("POST", "/admin/users/{user}/role", ADMIN, {"role": "author"}),
    role_only("POST", "/admin/users/{user}/deactivate", ADMIN),
    role_only("POST", "/admin/users/{user}/reactivate", ADMIN),
    role_only("POST", "/admin/users/{user}/reset-password", ADMIN),
    role_only("POST", "/admin/users/{user}/resend", ADMIN),
    role_only("GET", "/admin/audit", ADMIN),
]


@pytest.mark.parametrize(("route", "role"), cases(ROUTES), ids=case_id)
def test_who_may_reach_it(app, client, auth, route, role):
    check(app, client, auth, route, role)
