"""Audit log API: GET /audit-events, newest first, paginated with opaque keyset cursors."""

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


def encode_cursor(created_at: str, event_id: int, actor: str | None) -> str:
    # The cursor records the filter it belongs to, so it cannot be replayed against another one.
    raw = json.dumps({"c": created_at, "i": event_id, "a": actor}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, actor: str | None) -> tuple[str, int]:
    invalid = ApiError("invalid_cursor", "The cursor is invalid.")
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error):
        raise invalid from None
    if (
        not isinstance(data, dict)
        or set(data) != {"c", "i", "a"}
        or not isinstance(data["c"], str)
        or type(data["i"]) is not int
        or data["a"] != actor
    ):
        raise invalid
    return data["c"], data["i"]


def parse_limit(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_LIMIT:
        raise ApiError("bad_request", f"limit must be an integer from 1 to {MAX_LIMIT}.")
    return int(raw)


def fetch_page(conn: sqlite3.Connection, limit: int, actor: str | None, after: tuple[str, int] | None):
    """Up to limit + 1 events after the cursor position; the extra row says whether more exist."""
    where, params = [], []
    if actor is not None:
        where.append("actor = ?")
        params.append(actor)
    if after is not None:
        # A row-value comparison is an index range on (created_at, id): the cost of a page does
        # not depend on its depth, unlike OFFSET, and equal timestamps are split by id.
        where.append("(created_at, id) < (?, ?)")
        params.extend(after)
    sql = "SELECT id, actor, action, created_at FROM audit_events"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY created_at DESC, id DESC LIMIT ?"
    return conn.execute(sql, [*params, limit + 1]).fetchall()


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
        after = decode_cursor(cursor, actor) if cursor is not None else None

        rows = fetch_page(conn, limit, actor, after)
        page = rows[:limit]
        items = [{"id": i, "actor": a, "action": act, "created_at": c} for i, a, act, c in page]
        next_cursor = None
        if len(rows) > limit:
            last = page[-1]
            next_cursor = encode_cursor(last[3], last[0], actor)
        return jsonify(items=items, next_cursor=next_cursor)

    return app
