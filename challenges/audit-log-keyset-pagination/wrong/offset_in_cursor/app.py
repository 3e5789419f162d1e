"""Audit log API: GET /audit-events, newest first, paginated with opaque cursors."""

import base64
import binascii
import json
import sqlite3

from flask import Flask, jsonify, request

DEFAULT_LIMIT, MAX_LIMIT = 50, 200


class ApiError(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def encode_cursor(offset: int, actor: str | None) -> str:
    raw = json.dumps({"o": offset, "a": actor}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, actor: str | None) -> int:
    invalid = ApiError("invalid_cursor", "The cursor is invalid.")
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error):
        raise invalid from None
    if not isinstance(data, dict) or set(data) != {"o", "a"} or type(data["o"]) is not int or data["a"] != actor:
        raise invalid
    return data["o"]


def parse_limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_LIMIT:
        raise ApiError("bad_request", f"limit must be an integer from 1 to {MAX_LIMIT}.")
    return int(raw)


def create_app(conn: sqlite3.Connection) -> Flask:
    """Create the API over an open connection to the audit database."""
    app = Flask(__name__)

    @app.errorhandler(ApiError)
    def api_error(err: ApiError):
        return jsonify(error={"code": err.code, "message": err.message}), 400

    @app.get("/audit-events")
    def list_events():
        """One page of events, newest first, and the cursor of the next page (or null)."""
        limit = parse_limit(request.args.get("limit"))
        actor = request.args.get("actor")
        if actor == "":
            raise ApiError("bad_request", "actor must not be empty.")
        cursor = request.args.get("cursor")
        offset = decode_cursor(cursor, actor) if cursor is not None else 0
        sql = "SELECT id, actor, action, created_at FROM audit_events"
        params: list = []
        if actor is not None:
            sql += " WHERE actor = ?"
            params.append(actor)
        sql += " ORDER BY created_at DESC, id DESC LIMIT ? OFFSET ?"
        rows = conn.execute(sql, [*params, limit + 1, offset]).fetchall()
        items = [{"id": i, "actor": a, "action": act, "created_at": c} for i, a, act, c in rows[:limit]]
        next_cursor = encode_cursor(offset + limit, actor) if len(rows) > limit else None
        return jsonify(items=items, next_cursor=next_cursor)

    return app
