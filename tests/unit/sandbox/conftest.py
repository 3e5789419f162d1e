"""Fixtures for the sandbox unit tests."""

from __future__ import annotations

import pytest

import sandbox


@pytest.fixture
def fake() -> sandbox.FakeBackend:
    """Return a fake backend running the real harness on the host."""
    return sandbox.FakeBackend()
