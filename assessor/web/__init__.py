"""Blueprints: thin routes that parse, authorize, call a service, then render or serialize."""

from __future__ import annotations

from typing import Any

from flask import Flask, Request, current_app, jsonify, render_template, request, url_for
from flask.json.provider import DefaultJSONProvider
from flask_login import current_user
from werkzeug.exceptions import BadRequest
from werkzeug.routing import IntegerConverter

from assessor.services import DomainError
from assessor.services.permissions import Permission, can
from assessor.web import (
    admin,
    api,
    assessments,
    auth,
    candidate,
    catalog,
    invitations,
    outages,
    reviews,
    staff,
)
from assessor.web.access import load_user

# The largest id an Integer column holds on every database we run on (PostgreSQL's int4).
MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: a row id, never past what the id columns hold."""

    # 10**20 in a URL raised OverflowError in SQLite's binding and "integer out of range" in
    # PostgreSQL: a 500 where a 404 is due. Past MAX_ID the URL matches no route at all.
    def __init__(self, url_map, *args, **kwargs) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, where a body nested too deeply to parse is bad input, not a crash."""

    def loads(self, s, **kwargs):
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            # `[[[[...` a few thousand deep blew the parser's stack: a 500 on every JSON
            # endpoint (and staff forms, which Flask-WTF reads as JSON when sent so). A
            # ValueError is what request.get_json turns into a 400.
            raise ValueError("The JSON nests too deeply.") from None


class JSONRequest(Request):
    """A request whose unreadable JSON body is a 400 that says why (Flask's says nothing)."""

    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        raise BadRequest(f"The body is not valid JSON: {e}")


def harden(app: Flask) -> None:
    """Make hostile ids and JSON bodies answer 4xx; before any route is added."""
    app.url_map.converters["int"] = IdConverter
    app.json = JSONProvider(app)
    app.request_class = JSONRequest


def register_blueprints(app: Flask) -> None:
    """Attach every blueprint and the error pages to the app."""
    harden(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(staff.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(candidate.bp)
    for blueprint in (catalog.bp, assessments.bp, invitations.bp, reviews.bp, admin.bp):
        app.register_blueprint(blueprint)
    auth.login_manager_setup(load_user)
    app.context_processor(lambda: {"nav_links": nav_links})

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        return error_response(exc.status, str(exc))

    for status in (400, 403, 404, 405, 413, 429):
        app.register_error_handler(status, _http_error)
    outages.register(app)


# The main menu: (label, endpoint, permission). A link shows when its page exists and the
# user's role holds the permission.
NAV = (
    ("Home", "staff.home", Permission.VIEW_HOME),
    ("Assessments", "assessments.index", Permission.VIEW_ASSESSMENT),
    ("Catalog", "catalog.index", Permission.VIEW_CATALOG),
    ("Staff", "admin.users", Permission.MANAGE_USERS),
    ("Audit log", "admin.audit", Permission.VIEW_AUDIT),
)


def nav_links() -> list[tuple[str, str]]:
    """Return the menu entries (label, URL) the signed-in user may open."""
    return [
        (label, url_for(endpoint))
        for label, endpoint, permission in NAV
        if endpoint in current_app.view_functions and can(current_user, permission)
    ]


def wants_json() -> bool:
    """Tell whether the client asked for JSON rather than a page."""
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return request.is_json or best == "application/json" or request.path.startswith("/api/")


def error_response(status: int, message: str):
    """Answer an error as JSON for API clients and as a page for browsers."""
    if wants_json():
        return jsonify(error=message, status=status), status
    return render_template("error.html", status=status, message=message), status


def _http_error(exc):
    return error_response(exc.code, exc.description)
