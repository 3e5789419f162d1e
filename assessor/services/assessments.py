"""Compose assessments from pinned challenge versions."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from assessor.extensions import db
from assessor.models import (
    Assessment,
    AssessmentItem,
    AssessmentStatus,
    ChallengeVersion,
    utcnow,
)
from assessor.services import DomainError, NotFound, audit

MAX_DURATION_MINUTES = 8 * 60


@dataclass(frozen=True)
class ItemSpec:
    version_id: int
    weight: float = 1.0


@dataclass(frozen=True)
class NewAssessment:
    title: str
    duration_minutes: int
    owner_id: int
    items: list[ItemSpec] = field(default_factory=list)
    description: str = ""
    status: AssessmentStatus = AssessmentStatus.ACTIVE


def create_assessment(new: NewAssessment) -> Assessment:
    """Create an assessment pinned to the given challenge versions, in order."""
    if not new.title.strip():
        raise DomainError("title must not be empty")
    if not 1 <= new.duration_minutes <= MAX_DURATION_MINUTES:
        raise DomainError(f"duration must be between 1 and {MAX_DURATION_MINUTES} minutes")
    if not new.items:
        raise DomainError("an assessment needs at least one challenge")
    ids = [spec.version_id for spec in new.items]
    if len(set(ids)) != len(ids):
        raise DomainError("a challenge version appears twice")
    found = set(db.session.scalars(select(ChallengeVersion.id).where(ChallengeVersion.id.in_(ids))))
    if missing := [i for i in ids if i not in found]:
        raise NotFound(f"no challenge version with id {missing[0]}")
    assessment = Assessment(
        title=new.title.strip(),
        description=new.description,
        duration_minutes=new.duration_minutes,
        owner_id=new.owner_id,
        status=new.status,
    )
    for position, spec in enumerate(new.items):
        if spec.weight <= 0:
            raise DomainError("weights must be positive")
        assessment.items.append(
            AssessmentItem(
                position=position, challenge_version_id=spec.version_id, weight=spec.weight
            )
        )
    db.session.add(assessment)
    db.session.flush()
    audit.record("assessment.create", actor_id=new.owner_id, target=assessment)
    db.session.commit()
    return assessment


def pin(assessment_id: int) -> Assessment:
    """Fix the challenges, versions and duration from now on (idempotent; caller commits)."""
    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None:
        raise NotFound(f"no assessment with id {assessment_id}")
    if assessment.pinned_at is None:
        assessment.pinned_at = utcnow()
    return assessment
