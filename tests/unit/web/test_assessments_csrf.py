"""CSRF: a forged cross-site POST changes no assessment, share or library (the real app's check)."""

import re

import pytest
from sqlalchemy import func, select

from assessor.extensions import db
from assessor.models import Assessment, AssessmentStatus, AuditEvent, Role
from tests.factories import make_assessment, make_user, make_version


@pytest.fixture
def app_config(app_config):
    app_config["WTF_CSRF_ENABLED"] = True
    return app_config


def _token(client, path: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get(path).text)[1]


def _sign_in(client, email):
    token = _token(client, "/login")
    client.post(
        "/login",
        data={"email": email, "password": "correct horse battery staple", "csrf_token": token},
    )


def test_forged_posts_are_refused(client, ctx):
    owner, other = make_user(Role.INTERVIEWER), make_user(Role.INTERVIEWER)
    make_version("alpha")
    assessment = make_assessment(owner)
    _sign_in(client, owner.email)
    base = f"/assessments/{assessment.id}"
    forged = [
        (f"{base}/archive", {}),
        (f"{base}/duplicate", {}),
        (f"{base}/edit", {"title": "Hijacked", "op": "save"}),
        (f"{base}/sharing", {"user_id": other.id, "access": "editor"}),
        ("/assessments/new", {"title": "Forged", "duration_minutes": "5", "items-0-slug": "alpha"}),
    ]
    for path, data in forged:
        assert client.post(path, data=data).status_code == 400, path
    found = db.session.get(Assessment, assessment.id)
    assert found.status is AssessmentStatus.ACTIVE and found.title != "Hijacked"
    assert db.session.scalar(select(func.count(Assessment.id))) == 1
    assert not found.shares


def test_a_forged_sync_request_is_refused(client, ctx):
    _sign_in(client, make_user(Role.AUTHOR).email)
    assert client.post("/catalog/sync").status_code == 400
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action.like("library.%"))) is None
    token = _token(client, "/catalog/sync")
    assert client.post("/catalog/sync", data={"csrf_token": token}).status_code == 302
