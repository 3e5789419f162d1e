"""Route x role: the home page, the assessment dashboard, the report and the status API.

Also the check that keeps the table whole: every route of the app (staff, candidate, sign-in;
only EXEMPT endpoints aside) must be in some module's ROUTES.
"""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest

import tests.unit.web as web_tests
from assessor.services.permissions import Permission
from assessor.web.access import public, staff_required
from assessor.web.candidate import candidate_route

from .roles import assessment_reader, case_id, cases, check, staff

pytestmark = pytest.mark.matrix

ROUTES = [
    staff("GET", "/"),
    assessment_reader("GET", "/assessments/{assessment}"),
    assessment_reader("GET", "/attempts/{attempt}"),
    assessment_reader("GET", "/api/submissions/{submission}"),
    assessment_reader("GET", "/api/attempts/{attempt}"),
    assessment_reader("GET", "/api/assessments/{assessment}/progress"),
    assessment_reader("GET", "/api/attempts/{attempt}/stream"),
]


@pytest.mark.parametrize(("route", "role"), cases(ROUTES), ids=case_id)
def test_who_may_reach_it(app, client, auth, route, role):
    check(app, client, auth, route, role)


# Routes with no row, on purpose: static files are the same for everyone.
EXEMPT = {"static"}


def _shape(path: str) -> str:
    return re.sub(r"<[^>]+>|\{[^}]+\}", "*", path)


def listed() -> set[tuple[str, str]]:
    """Return (method, path shape) of every row in every test_roles_*.py table."""
    rows = set()
    for module in pkgutil.iter_modules(web_tests.__path__):
        if module.name.startswith("test_roles_"):
            found = importlib.import_module(f"{web_tests.__name__}.{module.name}")
            rows |= {(r.method, _shape(r.path)) for r in found.ROUTES}
    return rows


def unlisted(app) -> list[str]:
    """Return "METHOD /rule" for each route of the app that no table has a row for."""
    rows, missing = listed(), []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in EXEMPT:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if (method, _shape(rule.rule)) not in rows:
                missing.append(f"{method} {rule.rule}")
    return missing


def test_every_route_is_in_the_table(app):
    # Staff, candidate and sign-in routes alike: a new route needs its row before it ships.
    assert unlisted(app) == [], "routes with no row in a test_roles_*.py table"


def test_a_new_route_without_a_row_fails_the_check(app):
    app.add_url_rule(
        "/new-staff-page", "new_staff", staff_required(Permission.VIEW_HOME)(lambda: "")
    )
    app.add_url_rule(
        "/c/<int:attempt_id>/api/new", "new_candidate", candidate_route(lambda attempt_id: "")
    )
    app.add_url_rule("/new-public", "new_public", public(lambda: ""), methods=["POST"])
    app.add_url_rule("/unmarked", "unmarked", lambda: "")
    assert unlisted(app) == [
        "GET /new-staff-page",
        "GET /c/<int:attempt_id>/api/new",
        "POST /new-public",
        "GET /unmarked",
    ]
