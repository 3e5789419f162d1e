import pytest

from assessor.extensions import db
from assessor.models import AssessmentShare, Role, ShareAccess
from assessor.services.permissions import Permission, can, visible_assessments_filter
from tests.factories import make_assessment, make_user


@pytest.mark.parametrize(
    ("role", "permission", "allowed"),
    [
        (Role.ADMIN, Permission.MANAGE_USERS, True),
        (Role.ADMIN, Permission.VIEW_AUDIT, True),
        (Role.AUTHOR, Permission.MANAGE_CHALLENGES, True),
        (Role.AUTHOR, Permission.MANAGE_USERS, False),
        (Role.AUTHOR, Permission.CREATE_ASSESSMENT, False),
        (Role.AUTHOR, Permission.VIEW_ASSESSMENT, False),
        (Role.INTERVIEWER, Permission.CREATE_ASSESSMENT, True),
        (Role.INTERVIEWER, Permission.MANAGE_CHALLENGES, False),
        (Role.INTERVIEWER, Permission.VIEW_AUDIT, False),
        (Role.INTERVIEWER, Permission.MANAGE_USERS, False),
    ],
)
def test_role_grants(ctx, role, permission, allowed):
    assert can(make_user(role), permission) is allowed


def test_interviewer_sees_own_and_shared_assessments_only(ctx):
    owner, colleague, stranger = make_user(), make_user(), make_user()
    assessment = make_assessment(owner)
    assert can(owner, Permission.MANAGE_ASSESSMENT, assessment)
    assert not can(colleague, Permission.VIEW_ASSESSMENT, assessment)
    assert not can(stranger, Permission.MANAGE_ASSESSMENT, assessment)
    db.session.add(AssessmentShare(assessment_id=assessment.id, user_id=colleague.id))
    db.session.commit()
    assert can(colleague, Permission.VIEW_ASSESSMENT, assessment)
    assert not can(stranger, Permission.VIEW_ASSESSMENT, assessment)


def test_a_viewer_share_sees_and_an_editor_share_also_manages(ctx):
    owner, viewer, editor = make_user(), make_user(), make_user()
    assessment = make_assessment(owner)
    db.session.add_all(
        [
            AssessmentShare(assessment_id=assessment.id, user_id=viewer.id),
            AssessmentShare(
                assessment_id=assessment.id, user_id=editor.id, access=ShareAccess.EDITOR
            ),
        ]
    )
    db.session.commit()
    assert can(viewer, Permission.VIEW_ASSESSMENT, assessment)
    assert not can(viewer, Permission.MANAGE_ASSESSMENT, assessment)
    assert can(editor, Permission.MANAGE_ASSESSMENT, assessment)


def test_admin_sees_every_assessment(ctx):
    assessment = make_assessment()
    assert can(make_user(Role.ADMIN), Permission.MANAGE_ASSESSMENT, assessment)


def test_inactive_and_anonymous_users_hold_nothing(ctx):
    admin = make_user(Role.ADMIN, active=False)
    assert not can(admin, Permission.VIEW_HOME)
    assert not can(None, Permission.VIEW_HOME)


def test_visible_filter_matches_object_rule(ctx):
    from sqlalchemy import select

    from assessor.models import Assessment

    owner, other = make_user(), make_user()
    mine, theirs = make_assessment(owner), make_assessment(other)
    shared = make_assessment(other)
    db.session.add(AssessmentShare(assessment_id=shared.id, user_id=owner.id))
    db.session.commit()
    ids = set(db.session.scalars(select(Assessment.id).where(visible_assessments_filter(owner))))
    assert ids == {mine.id, shared.id}
    assert theirs.id not in ids
