"""A catalog version of the mini-service fixture (Python and Node.js), without a sandbox run."""

from __future__ import annotations

from pathlib import Path

from assessor.challenges.reader import read_challenge
from assessor.extensions import db
from assessor.models import ChallengeVersion
from tests.factories import make_version

FOLDER = Path(__file__).resolve().parents[2] / "fixtures" / "challenges" / "mini-service"
MANIFEST = [
    {
        "id": "public/test_greet_public.py::test_health",
        "points": 1,
        "skill": "api-design",
        "visibility": "public",
    },
    {
        "id": "hidden/test_greet_hidden.py::test_refuses",
        "points": 2,
        "skill": "api-design",
        "visibility": "hidden",
    },
]


def service_version() -> ChallengeVersion:
    """Store the fixture as a `service` version; its manifest is a stand-in."""
    spec = read_challenge(FOLDER)
    version = make_version(
        kind="service",
        meta=spec.meta(),
        manifest=MANIFEST,
        files={"starter": dict(spec.starter), "tests": dict(spec.tests), "solution": {}},
    )
    version.title, version.statement = spec.title, spec.statement
    db.session.commit()
    return version
