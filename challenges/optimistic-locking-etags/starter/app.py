"""Wiki pages API with optimistic concurrency: versions, ETags and If-Match preconditions."""

import sqlite3

from flask import Flask


def create_app(conn: sqlite3.Connection) -> Flask:
    """Create the API over an open (autocommit) connection to the wiki database."""
    app = Flask(__name__)

    @app.post("/pages")
    def create_page():
        """Create version 1 of a page."""
        raise NotImplementedError

    @app.get("/pages/<slug>")
    def get_page(slug: str):
        """Return the page with its ETag, or 304 when If-None-Match matches."""
        raise NotImplementedError

    @app.patch("/pages/<slug>")
    def update_page(slug: str):
        """Update title/body if If-Match matches the current version, atomically."""
        raise NotImplementedError

    @app.delete("/pages/<slug>")
    def delete_page(slug: str):
        """Delete the page if If-Match matches the current version, atomically."""
        raise NotImplementedError

    return app
