"""The fixtures a service challenge's tests get: the platform's conftest, run in the tester only."""

from __future__ import annotations

CONFTEST_PATH = "conftest.py"
_HEAD = '''"""Fixtures the platform generates for a service challenge: base_url, http{extra}."""

import pytest
import requests

BASE_URL = "http://127.0.0.1:{port}"


class _Session(requests.Session):
    """A session whose relative URLs resolve against the service, with a default timeout."""

    def request(self, method, url, *args, **kwargs):
        kwargs.setdefault("timeout", 10)
        if url.startswith("/"):
            url = BASE_URL + url
        return super().request(method, url, *args, **kwargs)


@pytest.fixture
def base_url():
    """Return the service's root URL."""
    return BASE_URL


@pytest.fixture
def http():
    """Return an HTTP session on the candidate's service (relative URLs allowed)."""
    with _Session() as session:
        yield session
'''
_POSTGRES = '''

@pytest.fixture
def db():
    """Return an autocommit connection to the run's PostgreSQL, as the service's own role."""
    import psycopg

    with psycopg.connect("postgresql://app@127.0.0.1:5432/app", autocommit=True) as conn:
        yield conn
'''
_REDIS = '''

@pytest.fixture
def redis_client():
    """Return a client of the run's Redis (strings decoded)."""
    import redis

    client = redis.Redis(host="127.0.0.1", port=6379, decode_responses=True)
    yield client
    client.close()
'''


def service_conftest(port: int, services: list[str]) -> str:
    """Return the conftest.py source for a service on `port` with these datastores."""
    extra = "".join(
        f", {name}"
        for name, on in (("db", "postgres" in services), ("redis_client", "redis" in services))
        if on
    )
    text = _HEAD.format(port=port, extra=extra)
    if "postgres" in services:
        text += _POSTGRES
    if "redis" in services:
        text += _REDIS
    return text
