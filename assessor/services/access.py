"""Look up the objects a staff user may reach; anything else is "not found" (ids reveal nothing)."""

from __future__ import annotations

from assessor.extensions import db
from assessor.models import Assessment, Attempt, Submission, User
from assessor.services import Forbidden, NotFound
from assessor.services.permissions import Permission, can


def visible_assessment(user: User, assessment_id: int) -> Assessment:
    """Return an assessment the user may see (owner, shared, admin); NotFound otherwise."""
    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None or not can(user, Permission.VIEW_ASSESSMENT, assessment):
        raise NotFound("No such assessment.")
    return assessment


def manageable_assessment(user: User, assessment_id: int) -> Assessment:
    """Return an assessment the user may change; Forbidden for a viewer, NotFound for others."""
    assessment = visible_assessment(user, assessment_id)
    if not can(user, Permission.MANAGE_ASSESSMENT, assessment):
        raise Forbidden("You may view this assessment but not change it.")
    return assessment


def visible_attempt(user: User, attempt_id: int) -> Attempt:
    """Return an attempt of an assessment the user may see; NotFound otherwise."""
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None:
        raise NotFound("No such attempt.")
    visible_assessment(user, attempt.assessment_id)
    return attempt


def manageable_attempt(user: User, attempt_id: int) -> Attempt:
    """Return an attempt (an invitation) the user may change: revoke, extend, resend."""
    attempt = visible_attempt(user, attempt_id)
    manageable_assessment(user, attempt.assessment_id)
    return attempt


def visible_submission(user: User, submission_id: int) -> Submission:
    """Return a submission of an attempt the user may see; NotFound otherwise."""
    submission = db.session.get(Submission, submission_id)
    if submission is None:
        raise NotFound("No such submission.")
    visible_attempt(user, submission.attempt_id)
    return submission
