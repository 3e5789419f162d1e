"""Answer a request the database could not serve (full disk, dropped connection) honestly.

Such a request changed nothing: its transaction is rolled back. It is answered 503 with
Retry-After and a message that says so, never a bare 500: the candidate's editor takes a 503
without an error `code` as "offline", keeps the work in the browser, and saves it again later.
"""

from __future__ import annotations

import contextlib
import logging

from flask import Flask
from sqlalchemy.exc import DBAPIError, OperationalError

from assessor.extensions import db

log = logging.getLogger(__name__)

RETRY_AFTER_S = 5
DISK_FULL = (
    "The server's disk is full, so this was not saved. Your work is still in your browser; "
    "it is saved as soon as the server has room again."
)
UNAVAILABLE = (
    "The database cannot be reached right now, so this was not saved. Your work is still in "
    "your browser; it is saved as soon as the database is back."
)
# SQLite: SQLITE_FULL. PostgreSQL: SQLSTATE 53100 (disk_full), 53200 (out of memory).
_FULL_MARKERS = ("database or disk is full", "no space left on device")
_FULL_SQLSTATES = ("53100",)


def is_disk_full(exc: DBAPIError) -> bool:
    """Tell whether the database refused a write for want of space."""
    if getattr(exc.orig, "sqlstate", None) in _FULL_SQLSTATES:
        return True
    text = str(exc.orig).lower()
    return any(marker in text for marker in _FULL_MARKERS)


def register(app: Flask) -> None:
    """Map the database's operational failures to a 503 the clients retry."""
    from assessor.web import error_response

    @app.errorhandler(OperationalError)
    def database_unavailable(exc: OperationalError):
        full = is_disk_full(exc)
        log.error("database unavailable (%s): %s", "disk full" if full else "operational", exc)
        with contextlib.suppress(Exception):  # a dead connection may refuse even this
            db.session.rollback()
        response = app.make_response(error_response(503, DISK_FULL if full else UNAVAILABLE))
        response.headers["Retry-After"] = str(RETRY_AFTER_S)
        return response
