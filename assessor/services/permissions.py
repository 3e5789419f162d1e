"""Who may do what: one table of role grants plus object-level rules for assessments."""

from __future__ import annotations

import enum

from sqlalchemy import select

from assessor.extensions import db
from assessor.models import Assessment, AssessmentShare, Role, User


class Permission(enum.StrEnum):
    VIEW_HOME = "view_home"
    MANAGE_USERS = "manage_users"
    VIEW_AUDIT = "view_audit"
    VIEW_CATALOG = "view_catalog"
    MANAGE_CHALLENGES = "manage_challenges"
    CREATE_ASSESSMENT = "create_assessment"
    VIEW_ASSESSMENT = "view_assessment"  # object-level: owner, shared, or admin
    MANAGE_ASSESSMENT = "manage_assessment"  # object-level: owner, shared, or admin


GRANTS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.AUTHOR: frozenset(
        {Permission.VIEW_HOME, Permission.VIEW_CATALOG, Permission.MANAGE_CHALLENGES}
    ),
    Role.INTERVIEWER: frozenset(
        {
            Permission.VIEW_HOME,
            Permission.VIEW_CATALOG,
            Permission.CREATE_ASSESSMENT,
            Permission.VIEW_ASSESSMENT,
            Permission.MANAGE_ASSESSMENT,
        }
    ),
}
OBJECT_LEVEL = {Permission.VIEW_ASSESSMENT, Permission.MANAGE_ASSESSMENT}


def can(user: User | None, permission: Permission, obj: Assessment | None = None) -> bool:
    """Tell whether an active staff user holds a permission, on an object when given."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.active:
        return False
    if permission not in GRANTS[user.role]:
        return False
    if obj is None or permission not in OBJECT_LEVEL or user.role is Role.ADMIN:
        return True
    return is_owner_or_shared(user, obj)


def is_owner_or_shared(user: User, assessment: Assessment) -> bool:
    """Tell whether the assessment is the user's own or shared with them."""
    if assessment.owner_id == user.id:
        return True
    shared = db.session.scalar(
        select(AssessmentShare.user_id).where(
            AssessmentShare.assessment_id == assessment.id, AssessmentShare.user_id == user.id
        )
    )
    return shared is not None


def visible_assessments_filter(user: User):
    """Return a WHERE clause selecting the assessments a user may see."""
    if user.role is Role.ADMIN:
        return Assessment.id.is_not(None)
    shared = select(AssessmentShare.assessment_id).where(AssessmentShare.user_id == user.id)
    return (Assessment.owner_id == user.id) | Assessment.id.in_(shared)
