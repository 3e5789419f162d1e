"""Sharing an assessment, end to end: the colleague sees it, and may change it only as editor."""

import pytest
from sqlalchemy import select

from assessor.extensions import db
from assessor.models import AssessmentShare, AuditEvent, Role
from tests.factories import make_assessment, make_user


@pytest.fixture
def team(ctx):
    people = {
        "owner": make_user(Role.INTERVIEWER),
        "colleague": make_user(Role.INTERVIEWER),
        "third": make_user(Role.INTERVIEWER),
        "author": make_user(Role.AUTHOR),
        "admin": make_user(Role.ADMIN),
    }
    people["assessment"] = make_assessment(people["owner"])
    return people


def _as(client, auth, user):
    auth.logout()
    auth.login(user.email)


def test_a_colleague_gets_404_until_shared_then_sees_it_everywhere(client, auth, team):
    assessment = team["assessment"]
    dashboard = f"/assessments/{assessment.id}"
    _as(client, auth, team["colleague"])
    assert client.get(dashboard).status_code == 404
    assert assessment.title not in client.get("/").get_data(as_text=True)

    _as(client, auth, team["owner"])
    page = client.get(f"{dashboard}/sharing").get_data(as_text=True)
    assert team["colleague"].email in page and team["author"].email not in page
    added = client.post(f"{dashboard}/sharing", data={"user_id": team["colleague"].id})
    assert added.status_code == 302

    _as(client, auth, team["colleague"])
    assert client.get(dashboard).status_code == 200
    assert assessment.title in client.get("/").get_data(as_text=True)
    assert assessment.title in client.get("/assessments").get_data(as_text=True)
    sharing = client.get(f"{dashboard}/sharing").get_data(as_text=True)
    assert "You have viewer access" in sharing and "Share with an interviewer" not in sharing
    assert client.get(f"{dashboard}/edit").status_code == 403
    assert client.post(f"{dashboard}/archive").status_code == 403
    assert (
        client.post(f"{dashboard}/sharing", data={"user_id": team["third"].id}).status_code == 403
    )


def test_an_editor_edits_and_manages_shares(client, auth, team):
    assessment = team["assessment"]
    base = f"/assessments/{assessment.id}"
    _as(client, auth, team["owner"])
    client.post(f"{base}/sharing", data={"user_id": team["colleague"].id, "access": "editor"})

    _as(client, auth, team["colleague"])
    assert client.get(f"{base}/edit").status_code == 200
    assert client.post(f"{base}/sharing", data={"user_id": team["third"].id}).status_code == 302
    assert client.post(f"{base}/sharing/{team['third'].id}", data={"access": "editor"})
    share = db.session.get(AssessmentShare, (assessment.id, team["third"].id))
    assert share.access.value == "editor"
    client.post(f"{base}/sharing/{team['third'].id}/remove")
    assert db.session.get(AssessmentShare, (assessment.id, team["third"].id)) is None

    _as(client, auth, team["third"])
    assert client.get(base).status_code == 404

    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("assessment.%share"))
    ).all()
    assert actions == [
        "assessment.share",
        "assessment.share",
        "assessment.share",
        "assessment.unshare",
    ]


def test_downgrading_to_viewer_takes_editing_away(client, auth, team):
    assessment = team["assessment"]
    base = f"/assessments/{assessment.id}"
    _as(client, auth, team["owner"])
    client.post(f"{base}/sharing", data={"user_id": team["colleague"].id, "access": "editor"})
    client.post(f"{base}/sharing/{team['colleague'].id}", data={"access": "viewer"})
    _as(client, auth, team["colleague"])
    assert client.get(base).status_code == 200
    assert client.get(f"{base}/edit").status_code == 403


@pytest.mark.parametrize(
    ("who", "message"),
    [("author", "only interviewers"), ("admin", "already sees every"), ("owner", "owns")],
)
def test_sharing_refuses_people_it_cannot_help(client, auth, team, who, message):
    from assessor.models import ShareAccess
    from assessor.services import DomainError, assessment_shares

    with pytest.raises(DomainError, match=message):
        assessment_shares.share(
            team["assessment"].id, team[who].id, ShareAccess.VIEWER, actor_id=team["owner"].id
        )


def test_a_deactivated_interviewer_cannot_be_added(client, auth, team):
    from assessor.models import ShareAccess
    from assessor.services import DomainError, assessment_shares

    team["third"].active = False
    db.session.commit()
    with pytest.raises(DomainError, match="deactivated"):
        assessment_shares.share(
            team["assessment"].id, team["third"].id, ShareAccess.EDITOR, actor_id=None
        )
    _as(client, auth, team["owner"])
    page = client.get(f"/assessments/{team['assessment'].id}/sharing").get_data(as_text=True)
    assert team["third"].email not in page


def test_removing_a_share_that_is_not_there_is_404(client, auth, team):
    _as(client, auth, team["owner"])
    response = client.post(
        f"/assessments/{team['assessment'].id}/sharing/{team['third'].id}/remove"
    )
    assert response.status_code == 404
