"""Blueprints: thin routes that parse, authorize, call a service, then render or serialize."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request

from assessor.services import DomainError
from assessor.web import api, auth, candidate, staff
from assessor.web.access import load_user


def register_blueprints(app: Flask) -> None:
    """Attach every blueprint and the error pages to the app."""
    app.register_blueprint(auth.bp)
    app.register_blueprint(staff.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(candidate.bp)
    auth.login_manager_setup(load_user)

    @app.errorhandler(DomainError)
    def domain_error(exc: DomainError):
        return error_response(exc.status, str(exc))

    for status in (400, 403, 404, 405, 413, 429):
        app.register_error_handler(status, _http_error)


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
