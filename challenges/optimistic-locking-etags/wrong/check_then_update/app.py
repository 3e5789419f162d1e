"""Wiki pages API with optimistic concurrency: versions, ETags and If-Match preconditions."""

import re
import sqlite3

from flask import Flask, jsonify, request

SLUG_RE = re.compile(r"[a-z0-9-]{1,64}")
COLUMNS = ("slug", "title", "body", "version")
EDITABLE = ("title", "body")


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, fields: dict | None = None, etag: str | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.fields, self.etag = status, code, message, fields, etag


def validate(body: dict, allowed: tuple[str, ...], required: tuple[str, ...]) -> dict:
    """Return the allowed fields of body, or raise a 422 naming every invalid field."""
    errors = {key: "unknown or read-only field" for key in body if key not in allowed}
    for key in required:
        if key not in body:
            errors[key] = "is required"
    if "slug" in body and "slug" in allowed and not (isinstance(body["slug"], str) and SLUG_RE.fullmatch(body["slug"])):
        errors["slug"] = "must match [a-z0-9-]{1,64}"
    if "title" in body and not (isinstance(body["title"], str) and 1 <= len(body["title"]) <= 200):
        errors["title"] = "must be a string of 1-200 characters"
    if "body" in body and not (isinstance(body["body"], str) and len(body["body"]) <= 100_000):
        errors["body"] = "must be a string of at most 100000 characters"
    if errors:
        raise ApiError(422, "validation_error", "Some fields are invalid.", fields=errors)
    return {key: body[key] for key in allowed if key in body}


def json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", "The body must be a JSON object.")
    return body


def etag_of(page: dict) -> str:
    return str(page["version"])


def check_if_match(page: dict) -> None:
    """Evaluate If-Match (strong comparison) against the page as it is now."""
    if_match = request.if_match
    if not if_match:
        raise ApiError(428, "precondition_required", "Send If-Match with the ETag you read.")
    if not if_match.contains(etag_of(page)):  # `*` or a strong match; W/"n" never matches
        raise ApiError(412, "precondition_failed", "The page has changed since you read it.", etag=etag_of(page))


def create_app(conn: sqlite3.Connection) -> Flask:
    """Create the API over an open (autocommit) connection to the wiki database."""
    app = Flask(__name__)

    @app.errorhandler(ApiError)
    def api_error(err: ApiError):
        payload = {"code": err.code, "message": err.message}
        if err.fields is not None:
            payload["fields"] = err.fields
        response = jsonify(error=payload)
        response.status_code = err.status
        if err.etag is not None:
            response.set_etag(err.etag)
        return response

    def load(slug: str) -> dict:
        row = conn.execute("SELECT slug, title, body, version FROM pages WHERE slug = ?", (slug,)).fetchone()
        if row is None:
            raise ApiError(404, "not_found", f"No page {slug!r}.")
        return dict(zip(COLUMNS, row))

    def page_response(page: dict, status: int = 200):
        response = jsonify(page)
        response.status_code = status
        response.set_etag(etag_of(page))
        return response

    @app.post("/pages")
    def create_page():
        """Create version 1 of a page."""
        fields = validate(json_body(), allowed=("slug", "title", "body"), required=("slug", "title", "body"))
        try:
            conn.execute("INSERT INTO pages (slug, title, body) VALUES (:slug, :title, :body)", fields)
        except sqlite3.IntegrityError:
            raise ApiError(409, "conflict", f"Page {fields['slug']!r} already exists.") from None
        response = page_response({**fields, "version": 1}, status=201)
        response.headers["Location"] = f"/pages/{fields['slug']}"
        return response

    @app.get("/pages/<slug>")
    def get_page(slug: str):
        """Return the page with its ETag, or 304 when If-None-Match matches."""
        page = load(slug)
        if request.if_none_match.contains_weak(etag_of(page)):
            response = app.response_class(status=304)
            response.set_etag(etag_of(page))
            return response
        return page_response(page)

    @app.patch("/pages/<slug>")
    def update_page(slug: str):
        """Update title/body if If-Match matches the current version, atomically."""
        page = load(slug)
        check_if_match(page)
        changes = validate(json_body(), allowed=EDITABLE, required=())
        if not changes:
            return page_response(page)
        new_page = {**page, **changes, "version": page["version"] + 1}
        assignments = ", ".join(f"{column} = :{column}" for column in changes)
        conn.execute(f"UPDATE pages SET {assignments}, version = :version WHERE slug = :slug", new_page)
        return page_response(new_page)

    @app.delete("/pages/<slug>")
    def delete_page(slug: str):
        """Delete the page if If-Match matches the current version, atomically."""
        page = load(slug)
        check_if_match(page)
        conn.execute("DELETE FROM pages WHERE slug = ?", (slug,))
        return "", 204

    return app
