from pathlib import Path

import pytest

import sandbox
from assessor.challenges.reader import read_challenge
from assessor.kinds import get_kind, kind_names

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "tests" / "fixtures" / "challenges"
# One small fixture challenge per kind: a kind registered without one fails the contract tests.
FIXTURE_OF = {"code": "mini-adder", "http-api": "mini-http-api", "design": "mini-design"}


@pytest.fixture(params=kind_names())
def kind(request):
    """Each registered kind in turn."""
    return get_kind(request.param)


@pytest.fixture
def spec(kind):
    """The kind's fixture challenge, read from its folder."""
    return read_challenge(FIXTURES / FIXTURE_OF[kind.name])


@pytest.fixture
def fake_backend():
    """The real harness in a local subprocess (fast, unisolated)."""
    return sandbox.FakeBackend()
