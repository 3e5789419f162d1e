from pathlib import Path

import pytest

import sandbox
from assessor.extensions import db
from assessor.models import ChallengeVersion
from assessor.services import catalog

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "challenges"


@pytest.fixture
def fake_backend():
    """The fake backend: the real harness in a local subprocess (fast, unisolated)."""
    return sandbox.FakeBackend()


@pytest.fixture
def adder_version(ctx, fake_backend):
    """The mini-adder fixture challenge synced into the catalog with its manifest."""
    outcome = catalog.sync_folder(FIXTURES / "mini-adder", fake_backend, "unused")
    assert outcome.action == "created", outcome
    return db.session.get(ChallengeVersion, outcome.version_id)
