"""Factories for rows: each returns a committed, minimal, valid object."""

from __future__ import annotations

import itertools
from datetime import timedelta

from werkzeug.security import generate_password_hash

from assessor.extensions import db
from assessor.models import (
    Assessment,
    AssessmentItem,
    AssessmentStatus,
    Attempt,
    AttemptStatus,
    Challenge,
    ChallengeVersion,
    Difficulty,
    Role,
    User,
    utcnow,
)
from assessor.services.invitations import hash_token

TEST_PASSWORD = "correct horse battery staple"
# One cheap hash for every factory user: scrypt per user and per login would make each test
# that signs several people in take seconds. Real hashing is tested in test_users.
_TEST_HASH = generate_password_hash(TEST_PASSWORD, method="pbkdf2:sha256:1")
_seq = itertools.count(1)


def make_user(
    role: Role = Role.INTERVIEWER,
    *,
    email: str | None = None,
    active: bool = True,
    password: str = TEST_PASSWORD,
) -> User:
    n = next(_seq)
    user = User(email=email or f"user{n}@example.test", name=f"User {n}", role=role, active=active)
    if password == TEST_PASSWORD:
        user.password_hash = _TEST_HASH
    else:
        user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


def make_version(
    slug: str | None = None,
    *,
    manifest: list | None = None,
    files: dict | None = None,
    kind: str = "code",
    meta: dict | None = None,
    skills: list | None = None,
) -> ChallengeVersion:
    n = next(_seq)
    slug = slug or f"challenge-{n}"
    challenge = db.session.query(Challenge).filter_by(slug=slug).one_or_none()
    if challenge is None:
        challenge = Challenge(slug=slug, title=f"Challenge {slug}")
        db.session.add(challenge)
        db.session.flush()
    version = ChallengeVersion(
        challenge_id=challenge.id,
        content_hash=f"{n:064x}",
        title=challenge.title,
        kind=kind,
        skills=skills or ["api-design"],
        difficulty=Difficulty.MEDIUM,
        minutes=30,
        meta=meta or {"editable": ["solution.py"]},
        statement="Do the thing.",
        manifest=manifest
        or [
            {
                "id": "public/test_a.py::test_one",
                "points": 1,
                "skill": "api-design",
                "visibility": "public",
            },
            {
                "id": "hidden/test_b.py::test_two",
                "points": 3,
                "skill": "sql",
                "visibility": "hidden",
            },
        ],
        files=files or {"starter": {"solution.py": "def f():\n    return 0\n"}, "tests": {}},
    )
    db.session.add(version)
    db.session.flush()
    challenge.current_version_id = version.id
    db.session.commit()
    return version


def make_assessment(
    owner: User | None = None,
    *,
    versions: list[ChallengeVersion] | None = None,
    duration_minutes: int = 60,
    status: AssessmentStatus = AssessmentStatus.ACTIVE,
) -> Assessment:
    owner = owner or make_user()
    versions = versions or [make_version()]
    assessment = Assessment(
        title=f"Assessment {next(_seq)}",
        duration_minutes=duration_minutes,
        owner_id=owner.id,
        status=status,
    )
    for position, version in enumerate(versions):
        assessment.items.append(AssessmentItem(position=position, challenge_version_id=version.id))
    db.session.add(assessment)
    db.session.commit()
    return assessment


def make_attempt(
    assessment: Assessment | None = None,
    *,
    token: str | None = None,
    status: AttemptStatus = AttemptStatus.INVITED,
) -> Attempt:
    assessment = assessment or make_assessment()
    n = next(_seq)
    attempt = Attempt(
        assessment_id=assessment.id,
        candidate_name=f"Candidate {n}",
        candidate_email=f"candidate{n}@example.test",
        token_hash=hash_token(token or f"token-{n}"),
        expires_at=utcnow() + timedelta(days=7),
        status=status,
    )
    db.session.add(attempt)
    db.session.commit()
    return attempt
