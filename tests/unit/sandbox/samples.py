"""A tiny token-bucket challenge and job factory shared by the sandbox tests."""

from __future__ import annotations

import sandbox

LIMITER = """\
class TokenBucket:
    def __init__(self, capacity):
        self.tokens = capacity

    def allow(self):
        if self.tokens <= 0:
            return False
        self.tokens -= 1
        return True
"""
WRONG_LIMITER = LIMITER.replace("if self.tokens <= 0:", "if self.tokens < 0:")
PUBLIC_TESTS = """\
import pytest
from limiter import TokenBucket


@pytest.mark.points(2)
@pytest.mark.skill("algorithms")
def test_allows_up_to_capacity():
    bucket = TokenBucket(2)
    assert bucket.allow() and bucket.allow()


def test_refuses_when_empty():
    bucket = TokenBucket(1)
    bucket.allow()
    assert bucket.allow() is False
"""
HIDDEN_TESTS = """\
import pytest
from limiter import TokenBucket


@pytest.mark.parametrize("capacity", [0, 3])
def test_exact_capacity(capacity):
    bucket = TokenBucket(capacity)
    assert [bucket.allow() for _ in range(capacity + 1)] == [True] * capacity + [False]
"""
TESTS = {"public/test_api.py": PUBLIC_TESTS, "hidden/test_api.py": HIDDEN_TESTS}
EXPECTED = (
    "public/test_api.py::test_allows_up_to_capacity",
    "public/test_api.py::test_refuses_when_empty",
    "hidden/test_api.py::test_exact_capacity[0]",
    "hidden/test_api.py::test_exact_capacity[3]",
)


def make_job(files: dict | None = None, **kwargs: object) -> sandbox.Job:
    """Build a job on the token-bucket challenge, the correct solution by default."""
    kwargs.setdefault("tests", TESTS)
    kwargs.setdefault("expected", EXPECTED)
    kwargs.setdefault("limits", sandbox.Limits(wall_s=20))
    return sandbox.Job(files=files if files is not None else {"limiter.py": LIMITER}, **kwargs)
