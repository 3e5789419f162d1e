"""Who may do what: one table of role grants plus object-level rules for assessments."""

from __future__ import annotations

import enum

from sqlalchemy import select

from assessor.extensions import db
from assessor.models import Assessment, AssessmentShare, Role, ShareAccess, User


class Permission(enum.StrEnum):
    VIEW_HOME = "view_home"
    MANAGE_USERS = "manage_users"
    VIEW_AUDIT = "view_audit"
    VIEW_CATALOG = "view_catalog"
    MANAGE_CHALLENGES = "manage_challenges"
    CREATE_ASSESSMENT = "create_assessment"
    # Object-level: the owner, an interviewer it is shared with (viewer or editor), or an admin.
    # Seeing an assessment includes reviewing its attempts.
    VIEW_ASSESSMENT = "view_assessment"
    # Object-level: the owner, an editor share, or an admin (edit, invite, share, archive).
    MANAGE_ASSESSMENT = "manage_assessment"


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
    access = share_access(user, obj)
    if permission is Permission.MANAGE_ASSESSMENT:
        return access is ShareAccess.EDITOR
    return access is not None


def share_access(user: User, assessment: Assessment) -> ShareAccess | None:
    """Return what the user may do with the assessment: the owner edits; None if nothing."""
    if assessment.owner_id == user.id:
        return ShareAccess.EDITOR
    return db.session.scalar(
        select(AssessmentShare.access).where(
            AssessmentShare.assessment_id == assessment.id, AssessmentShare.user_id == user.id
        )
    )


def is_owner_or_shared(user: User, assessment: Assessment) -> bool:
    """Tell whether the assessment is the user's own or shared with them."""
    return share_access(user, assessment) is not None


def visible_assessments_filter(user: User):
    """Return a WHERE clause selecting the assessments a user may see."""
    if user.role is Role.ADMIN:
        return Assessment.id.is_not(None)
    shared = select(AssessmentShare.assessment_id).where(AssessmentShare.user_id == user.id)
    return (Assessment.owner_id == user.id) | Assessment.id.in_(shared)
