"""Pristine SQLite databases in milliseconds: build one once, keep its bytes, write them back.

Creating the schema costs a test tens of milliseconds (dozens of synced DDL statements), and the
route x role world hundreds; writing back a kept image of the file costs one.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from flask import Flask

from assessor.extensions import db


def sqlite_file(app: Flask) -> Path | None:
    """Return the file of the app's SQLite database, or None (PostgreSQL, in memory)."""
    with app.app_context():
        url = db.engine.url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    if url.database.startswith("file:"):
        return None
    return Path(url.database)


def close_connections(app: Flask) -> None:
    """Close every pooled connection of the app, so its database file may be read or replaced."""
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def capture(app: Flask) -> bytes:
    """Return an image of the app's SQLite database, write-ahead log included."""
    close_connections(app)
    with contextlib.closing(sqlite3.connect(sqlite_file(app))) as connection:
        return connection.serialize()


def restore(app: Flask, image: bytes) -> None:
    """Replace the app's SQLite database with `image`, as if it had just been built."""
    close_connections(app)
    path = sqlite_file(app)
    for leftover in ("-wal", "-shm"):  # the old file's log must not replay onto the new one
        path.with_name(path.name + leftover).unlink(missing_ok=True)
    path.write_bytes(image)


# Empty schemas by table names: a table defined mid-session gets an image of its own.
_schemas: dict[tuple[str, ...], bytes] = {}


def create_schema(app: Flask) -> None:
    """Create the empty schema; on a new SQLite file, write back the session's first one."""
    path, tables = sqlite_file(app), tuple(sorted(db.metadata.tables))
    new_file = path is not None and not path.exists()
    if new_file and tables in _schemas:
        restore(app, _schemas[tables])
    with app.app_context():
        db.create_all()  # after a restore it only checks that every table is there
    if new_file and tables not in _schemas:
        _schemas[tables] = capture(app)
