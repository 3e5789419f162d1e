"""Blueprints: thin routes that parse, authorize, call a service, then render or serialize."""

from __future__ import annotations

from flask import Flask, current_app, jsonify, render_template, request, url_for
from flask_login import current_user

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


def register_blueprints(app: Flask) -> None:
    """Attach every blueprint and the error pages to the app."""
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
