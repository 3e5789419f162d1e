"""The route x role table: who may reach each route, checked against one shared world.

Each `test_roles_*.py` module lists its routes in `ROUTES` and calls `check(...)` through a
parametrized test; `test_roles_core.py` also fails when any route of the app is in no module's
table (only the explicit EXEMPT endpoints are left out).

Roles: anonymous; each staff role; `intruder`, a browser holding the grant of ANOTHER candidate's
attempt; and `candidate`, the browser that opened this attempt's invitation link.

Expectations per role: OK (any 2xx, or a redirect that is not to the login page), LOGIN (sent
to sign in: a 302 to /login, or 401 for the API), FORBIDDEN (403: the role may not), HIDDEN (404:
the object is not theirs, and its id reveals nothing).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from .candidates import enter
from .world import LIVE_TOKEN, OTHER_TOKEN, enter_world

OK, LOGIN, FORBIDDEN, HIDDEN = "ok", "login", "forbidden", "hidden"
STAFF_ROLES = ("author", "stranger", "viewer", "editor", "owner", "admin")
ROLES = ("anonymous", *STAFF_ROLES, "intruder", "candidate")
# A candidate's grant is no staff login: staff routes send either candidate to sign in.
GRANTS_SIGN_IN = {"intruder": LOGIN, "candidate": LOGIN}


@dataclasses.dataclass(frozen=True)
class Route:
    """One route: method, path with {placeholders}, and the expectation per role."""

    method: str
    path: str
    expect: dict[str, str]
    data: dict[str, Any] | Callable[[dict], dict[str, Any]] | None = None
    as_json: bool = False  # send `data` as a JSON body rather than a form

    def id(self) -> str:
        return f"{self.method} {self.path}"


def staff(method: str, path: str, **overrides: str) -> Route:
    """A route every signed-in role may use (a page any staff member sees)."""
    expect = dict.fromkeys(ROLES, OK) | {"anonymous": LOGIN} | GRANTS_SIGN_IN | overrides
    return Route(method, path, expect)


def assessment_reader(method: str, path: str, data: Any = None) -> Route:
    """A route of one assessment that its owner, both shares and admins may use."""
    expect = {
        "anonymous": LOGIN,
        "author": FORBIDDEN,
        "stranger": HIDDEN,
        "viewer": OK,
        "editor": OK,
        "owner": OK,
        "admin": OK,
    } | GRANTS_SIGN_IN
    return Route(method, path, expect, data)


def assessment_writer(method: str, path: str, data: Any = None) -> Route:
    """A route that changes one assessment: owner, editor share and admins; a viewer may not."""
    expect = {
        "anonymous": LOGIN,
        "author": FORBIDDEN,
        "stranger": HIDDEN,
        "viewer": FORBIDDEN,
        "editor": OK,
        "owner": OK,
        "admin": OK,
    } | GRANTS_SIGN_IN
    return Route(method, path, expect, data)


def role_only(method: str, path: str, roles: set[str], data: Any = None) -> Route:
    """A route guarded by role alone: the listed roles may, other staff get 403."""
    expect = {role: OK if role in roles else FORBIDDEN for role in ROLES}
    return Route(method, path, expect | {"anonymous": LOGIN} | GRANTS_SIGN_IN, data)


def candidate_page(method: str, path: str, data: Any = None) -> Route:
    """A candidate's token-less page or API call: this attempt's grant only; 404 for all else."""
    expect = dict.fromkeys(ROLES, HIDDEN) | {"candidate": OK}
    return Route(method, path, expect, data, as_json=path.startswith("/c/{live}/api/"))


def everyone(method: str, path: str, outcome: str, data: Any = None) -> Route:
    """A route whose answer does not depend on who asks (the sign-in page, a link's token)."""
    return Route(method, path, dict.fromkeys(ROLES, outcome), data)


INTERVIEWERS = {"stranger", "viewer", "editor", "owner", "admin"}


def classify(response) -> str:
    """Map a response to OK, LOGIN, FORBIDDEN, HIDDEN or the raw status."""
    status = response.status_code
    location = response.headers.get("Location", "")
    if status == 401 or (status == 302 and "/login" in location):
        return LOGIN
    if status == 403:
        return FORBIDDEN
    if status == 404:
        return HIDDEN
    if 200 <= status < 400:
        return OK
    return str(status)


def check(app, client, auth, route: Route, role: str) -> None:
    """Request `route` as `role` in a pristine world and assert the table's expectation."""
    world = enter_world(app)
    if role in STAFF_ROLES:
        auth.login(world["emails"][role])
    elif role in ("intruder", "candidate"):
        enter(client, OTHER_TOKEN if role == "intruder" else LIVE_TOKEN)
    path = route.path.format(**world)
    data = route.data(world) if callable(route.data) else route.data
    body = {"json": data} if route.as_json else {"data": data}
    response = client.open(path, method=route.method, **body)
    got = classify(response)
    assert got == route.expect[role], f"{route.id()} as {role}: {response.status_code}"


def cases(routes: list[Route]) -> list[tuple[Route, str]]:
    """Return (route, role) pairs for pytest.mark.parametrize."""
    return [(route, role) for route in routes for role in ROLES]


def case_id(value: Any) -> str:
    return value.id() if isinstance(value, Route) else str(value)
