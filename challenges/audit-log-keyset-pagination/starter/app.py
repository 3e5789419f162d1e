"""Audit log API: GET /audit-events, newest first, paginated with opaque keyset cursors."""

import sqlite3

from flask import Flask


def create_app(conn: sqlite3.Connection) -> Flask:
    """Create the API over an open connection to the audit database."""
    app = Flask(__name__)

    @app.get("/audit-events")
    def list_events():
        """One page of events, newest first, and the cursor of the next page (or null)."""
        raise NotImplementedError

    return app
