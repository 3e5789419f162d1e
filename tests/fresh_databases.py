"""A fresh database for each test, in milliseconds rather than a schema build.

On SQLite the session's first empty schema is kept as an image of the file and written back into
each new file; the route x role world is kept the same way. On PostgreSQL the schema is built
once and each test empties its tables, until a test leaves the schema other than it was built.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from flask import Flask
from sqlalchemy import Connection, text

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


# Empty SQLite schemas by table names: a table defined mid-session gets an image of its own.
_schemas: dict[tuple[str, ...], bytes] = {}
# By PostgreSQL URL and table names: the schema as this session built it, to tell it is still so.
_built: dict[tuple, list[tuple]] = {}

# Every column, index and constraint of the schema, to notice a test that altered it.
SCHEMA_SHAPE = """
SELECT 'column', table_name, column_name || ' ' || data_type || ' ' || is_nullable
       || ' ' || coalesce(column_default, '')
  FROM information_schema.columns WHERE table_schema = current_schema()
UNION ALL
SELECT 'index', tablename, indexdef FROM pg_indexes WHERE schemaname = current_schema()
UNION ALL
SELECT 'constraint', table_name, constraint_name || ' ' || constraint_type
  FROM information_schema.table_constraints WHERE table_schema = current_schema()
ORDER BY 1, 2, 3
"""


def _shape(connection: Connection) -> list[tuple]:
    return [tuple(row) for row in connection.execute(text(SCHEMA_SHAPE))]


def create_schema(app: Flask) -> None:
    """Give the app an empty schema, built afresh or restored from the session's first one."""
    path, tables = sqlite_file(app), tuple(sorted(db.metadata.tables))
    new_file = path is not None and not path.exists()
    if new_file and tables in _schemas:
        restore(app, _schemas[tables])
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            _empty_postgres()
        else:
            db.create_all()  # after a restore it only checks that every table is there
    if new_file and tables not in _schemas:
        _schemas[tables] = capture(app)


def _empty_postgres() -> None:
    """Empty every table if the schema is as built, else drop and build it (in an app context)."""
    key = (db.engine.url.render_as_string(), tuple(sorted(db.metadata.tables)))
    with db.engine.begin() as connection:
        if key in _built and _shape(connection) == _built[key]:
            quote = connection.dialect.identifier_preparer.format_table
            names = ", ".join(quote(table) for table in db.metadata.sorted_tables)
            # RESTART IDENTITY: ids start at 1 again, as in a newly built schema.
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            return
    db.drop_all()
    db.create_all()
    with db.engine.connect() as connection:
        _built[key] = _shape(connection)
