"""The web app served in a thread of the test process, on a fresh SQLite file.

For browser tests of staff pages that need no grading: the test seeds rows with the factories
in an app context and Chromium reads the pages over HTTP, with CSRF and the CSP in force.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from werkzeug.serving import make_server

from tests.conftest import TEST_PASSWORD


@dataclass
class LiveApp:
    app: object
    base_url: str

    def sign_in(self, page, email: str) -> None:
        """Sign a staff user in through the real form."""
        page.goto(f"{self.base_url}/login")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(TEST_PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{self.base_url}/")


@pytest.fixture
def live_app(tmp_path) -> Iterator[LiveApp]:
    from assessor import create_app
    from assessor.extensions import db

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'live.sqlite3'}",
            "INSTANCE_DIR": str(tmp_path / "instance"),
            "QUEUE_URL": f"sqlite:///{tmp_path / 'queue.sqlite3'}",
            "SECRET_KEY": "live-app-secret-" + "l" * 32,
            "RATELIMIT_ENABLED": False,
            "EMBEDDED_WORKER": False,
            "SANDBOX_BACKEND": "fake",
        }
    )
    with app.app_context():
        db.create_all()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveApp(app, f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()
