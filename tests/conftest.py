"""Shared fixtures: service gates for the real Docker, PostgreSQL, Redis and browser tests.

A test marked `docker`, `postgres`, `redis` or `browser` is skipped with a loud reason when the
service is missing, unless ASSESSOR_REQUIRE_SERVICES=1 (set by `make test` and CI), in which case
it fails instead: CI must never go green by skipping the parts users rely on.
"""

from __future__ import annotations

import os
import socket
from urllib.parse import urlparse

import pytest

SERVICE_MARKERS = ("docker", "postgres", "redis", "browser")
DEFAULT_PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"


def services_required() -> bool:
    """Tell whether a missing service must fail the run rather than skip."""
    return os.environ.get("ASSESSOR_REQUIRE_SERVICES", "") not in ("", "0", "false", "no")


def postgres_url() -> str:
    """Return the PostgreSQL URL the real-database tests use."""
    return os.environ.get("TEST_POSTGRES_URL", DEFAULT_PG_URL)


def redis_url() -> str:
    """Return the Redis URL the real-queue tests use."""
    return os.environ.get("TEST_REDIS_URL", DEFAULT_REDIS_URL)


def _tcp_open(url: str, default_port: int) -> str | None:
    parsed = urlparse(url)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or default_port
    try:
        with socket.create_connection((host, port), timeout=2):
            return None
    except OSError as exc:
        return f"cannot connect to {host}:{port}: {exc}"


def _docker_problem() -> str | None:
    try:
        import docker
    except ImportError as exc:  # pragma: no cover - the SDK is a hard requirement
        return f"docker SDK missing: {exc}"
    client = None
    try:
        client = docker.from_env(timeout=10)
        client.ping()
    except Exception as exc:
        return f"Docker engine unreachable: {exc}"
    finally:
        if client is not None:
            client.close()
    return None


def _browser_problem() -> str | None:
    if not os.path.exists("/usr/bin/chromium"):
        return "Chromium is not installed at /usr/bin/chromium"
    try:
        import playwright  # noqa: F401
    except ImportError as exc:
        return f"playwright missing: {exc}"
    return None


_PROBES = {
    "docker": _docker_problem,
    "postgres": lambda: _tcp_open(postgres_url(), 5432),
    "redis": lambda: _tcp_open(redis_url(), 6379),
    "browser": _browser_problem,
}
_probe_cache: dict[str, str | None] = {}


def service_problem(name: str) -> str | None:
    """Return why a service is unusable, or None when it is up (probed once per session)."""
    if name not in _probe_cache:
        _probe_cache[name] = _PROBES[name]()
    return _probe_cache[name]


def pytest_runtest_setup(item: pytest.Item) -> None:
    for name in SERVICE_MARKERS:
        if item.get_closest_marker(name) is None:
            continue
        problem = service_problem(name)
        if problem is None:
            continue
        message = f"REQUIRED SERVICE MISSING [{name}]: {problem}"
        if services_required():
            pytest.fail(message, pytrace=False)
        pytest.skip(message)


# --- The app, a fresh database per test, and helpers ----------------------------------------

TEST_PASSWORD = "correct horse battery staple"


def database_url_for_tests(tmp_path) -> str:
    """Use PostgreSQL when TEST_DATABASE_URL is set, else a fresh SQLite file."""
    return os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'test.sqlite3'}"


@pytest.fixture
def app_config(tmp_path) -> dict:
    """Settings for a test app; override by depending on this fixture and mutating it."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-" + "x" * 32,
        "SQLALCHEMY_DATABASE_URI": database_url_for_tests(tmp_path),
        "INSTANCE_DIR": str(tmp_path / "instance"),
        "QUEUE_URL": f"sqlite:///{tmp_path / 'queue.sqlite3'}",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "EMBEDDED_WORKER": False,
        "SANDBOX_BACKEND": "fake",
        "PUBLIC_URL": "http://assessor.test",
    }


@pytest.fixture
def app(app_config):
    """Create and configure a new app instance with an empty schema for each test."""
    from assessor import create_app
    from assessor.extensions import db
    from tests.compiled_templates import TEMPLATE_CODES
    from tests.fresh_databases import create_schema

    app = create_app(app_config)
    app.jinja_env.bytecode_cache = TEMPLATE_CODES
    create_schema(app)  # on PostgreSQL, the next test's empties what this one leaves
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    """A test client for the app."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A runner for the app's CLI commands."""
    return app.test_cli_runner()


class AuthActions:
    """Sign a staff user in and out through the real login form."""

    def __init__(self, client):
        self._client = client

    def login(self, email: str, password: str = TEST_PASSWORD):
        return self._client.post("/login", data={"email": email, "password": password})

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def ctx(app):
    """Run the test inside an app context (for service-level tests)."""
    with app.app_context():
        yield app
