"""Route x role: the candidate's link, pages and API.

Only the browser that opened this attempt's link reaches its pages: staff (who hold no grant),
anonymous visitors and another candidate get 404, exactly as for an attempt that does not exist.
"""

from __future__ import annotations

import pytest

from .roles import HIDDEN, OK, ROLES, Route, candidate_page, case_id, cases, check, everyone

pytestmark = pytest.mark.matrix

SAVE = {"files": {"solution.py": "def f():\n    return 2\n"}, "revision": 0}

ROUTES = [
    # The link itself: holding the token is the credential, whoever holds it.
    everyone("GET", "/a/{live_token}", OK),
    everyone("GET", "/a/{live_token}/{rest}", OK),
    candidate_page("GET", "/c/{live}"),
    candidate_page("POST", "/c/{live}/start"),
    candidate_page("GET", "/c/{live}/work"),
    candidate_page("GET", "/c/{live}/done"),
    candidate_page("GET", "/c/{live}/api/workspace"),
    candidate_page("POST", "/c/{live}/api/items/{item}/draft", SAVE),
    candidate_page("POST", "/c/{live}/api/items/{item}/runs", {"files": SAVE["files"]}),
    # The world's challenge offers no language: its own candidate hears so (422), others 404.
    Route(
        "POST",
        "/c/{live}/api/items/{item}/language",
        dict.fromkeys(ROLES, HIDDEN) | {"candidate": "422"},
        {"language": "go"},
        as_json=True,
    ),
    candidate_page("GET", "/c/{live}/api/runs/{live_run}"),
    candidate_page("POST", "/c/{live}/api/items/{item}/submit", {}),
    candidate_page("POST", "/c/{live}/api/submit", {}),
    candidate_page("POST", "/c/{live}/api/events", {"kind": "focus_lost"}),
    candidate_page("GET", "/c/{live}/api/time"),
    candidate_page("GET", "/c/{live}/api/status"),
    candidate_page("POST", "/c/{live}/api/preview", {"markdown": "**x**"}),
]


@pytest.mark.parametrize(("route", "role"), cases(ROUTES), ids=case_id)
def test_who_may_reach_it(app, client, auth, route, role):
    check(app, client, auth, route, role)
