"""Route x role: the home page, the assessment dashboard, the report and the status API.

Also the check that keeps the table whole: every staff route must be in some module's ROUTES.
"""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest

import tests.unit.web as web_tests

from .roles import assessment_reader, case_id, cases, check, staff

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


def _shape(path: str) -> str:
    return re.sub(r"<[^>]+>|\{[^}]+\}", "*", path)


def test_every_staff_route_is_in_the_table(app):
    listed = set()
    for module in pkgutil.iter_modules(web_tests.__path__):
        if module.name.startswith("test_roles_"):
            found = importlib.import_module(f"{web_tests.__name__}.{module.name}")
            listed |= {(r.method, _shape(r.path)) for r in found.ROUTES}
    missing = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions.get(rule.endpoint)
        if getattr(view, "staff_permission", None) is None:
            continue  # public and candidate routes have their own tests
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if (method, _shape(rule.rule)) not in listed:
                missing.append(f"{method} {rule.rule}")
    assert missing == [], "staff routes with no row in a test_roles_*.py table"
