"""Share an assessment with other interviewers, as viewer (see and review) or editor."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from assessor.extensions import db
from assessor.models import Assessment, AssessmentShare, Role, ShareAccess, User
from assessor.services import DomainError, NotFound, audit


@dataclass(frozen=True)
class Collaborator:
    user_id: int
    name: str
    email: str
    access: str  # owner | editor | viewer
    active: bool


def collaborators(assessment_id: int) -> list[Collaborator]:
    """Return the owner, then everyone the assessment is shared with (editors first)."""
    assessment = _assessment(assessment_id)
    owner = assessment.owner
    people = [Collaborator(owner.id, owner.name, owner.email, "owner", owner.active)]
    shares = db.session.execute(
        select(AssessmentShare.access, User)
        .join(User, User.id == AssessmentShare.user_id)
        .where(AssessmentShare.assessment_id == assessment_id)
        .order_by(AssessmentShare.access, User.name)
    )
    people += [Collaborator(u.id, u.name, u.email, a.value, u.active) for a, u in shares]
    return people


def shareable_users(assessment_id: int) -> list[Collaborator]:
    """Return the active interviewers this assessment is not yet shared with."""
    taken = {c.user_id for c in collaborators(assessment_id)}
    users = db.session.scalars(
        select(User)
        .where(User.role == Role.INTERVIEWER, User.active.is_(True))
        .order_by(User.name, User.email)
    )
    return [Collaborator(u.id, u.name, u.email, "", True) for u in users if u.id not in taken]


def share(
    assessment_id: int,
    user_id: int,
    access: ShareAccess,
    *,
    actor_id: int | None,
    ip: str | None = None,
) -> Collaborator:
    """Give another interviewer viewer or editor access, or change the access they have."""
    assessment = _assessment(assessment_id)
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("No such staff member.")
    access = ShareAccess(access)
    if user.id == assessment.owner_id:
        raise DomainError(f"{user.name} owns this assessment already.")
    if not user.active:
        raise DomainError(f"{user.name}'s account is deactivated.")
    if user.role is Role.ADMIN:
        raise DomainError(f"{user.name} is an admin and already sees every assessment.")
    if user.role is not Role.INTERVIEWER:
        raise DomainError(f"{user.name} is an {user.role.value}: only interviewers take part.")
    existing = db.session.get(AssessmentShare, (assessment.id, user.id))
    previous = existing.access.value if existing else None
    if existing is None:
        db.session.add(AssessmentShare(assessment_id=assessment.id, user_id=user.id, access=access))
    elif existing.access is access:
        return Collaborator(user.id, user.name, user.email, access.value, user.active)
    else:
        existing.access = access
    audit.record(
        "assessment.share",
        actor_id=actor_id,
        target=assessment,
        ip=ip,
        user_id=user.id,
        email=user.email,
        access=access.value,
        previous=previous,
    )
    db.session.commit()
    return Collaborator(user.id, user.name, user.email, access.value, user.active)


def unshare(
    assessment_id: int, user_id: int, *, actor_id: int | None, ip: str | None = None
) -> Collaborator:
    """Take an interviewer's access away; their reviews stay in the record."""
    assessment = _assessment(assessment_id)
    existing = db.session.get(AssessmentShare, (assessment.id, user_id))
    if existing is None:
        raise NotFound("This assessment is not shared with that person.")
    user = existing.user
    gone = Collaborator(user.id, user.name, user.email, existing.access.value, user.active)
    db.session.delete(existing)
    audit.record(
        "assessment.unshare",
        actor_id=actor_id,
        target=assessment,
        ip=ip,
        user_id=user.id,
        email=user.email,
        access=gone.access,
    )
    db.session.commit()
    return gone


def _assessment(assessment_id: int) -> Assessment:
    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None:
        raise NotFound("No such assessment.")
    return assessment
