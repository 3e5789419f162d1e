"""`assessor demo`: a first look, safe to run again without breaking what it printed."""

import re

import pytest
from sqlalchemy import func, select

from assessor.extensions import db
from assessor.models import Assessment, Attempt, AuditEvent, User
from assessor.services import attempts, finalization, staff_roles, users
from assessor.services.invitations import attempt_for_token
from tests.factories import make_version


def passwords(output):
    return dict(re.findall(r"(\S+@demo\.assessor\.test)  password: (\S+)", output))


def link(output):
    return re.search(r"Candidate link: (\S+)", output).group(1)


@pytest.fixture
def catalog(ctx):
    make_version("token-bucket-limiter")


def test_demo_prints_logins_and_a_working_candidate_link(catalog, runner, client):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    token = link(result.output).rsplit("/a/", 1)[1]
    assert attempt_for_token(token).candidate_name == "Casey Candidate"
    password = passwords(result.output)["admin@demo.assessor.test"]
    response = client.post(
        "/login", data={"email": "admin@demo.assessor.test", "password": password}
    )
    assert response.status_code == 302


def test_a_second_run_reuses_the_assessment_logins_and_link(catalog, runner, client):
    first = runner.invoke(args=["demo"]).output
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    assert passwords(second.output) == passwords(first)
    assert link(second.output) == link(first)
    assert "reused" in second.output and "earlier run" in second.output
    assert db.session.scalar(select(func.count(Assessment.id))) == 1
    assert db.session.scalar(select(func.count(User.id))) == 2
    assert db.session.scalar(select(func.count(Attempt.id))) == 2  # Casey and Dana, once each
    for email, password in passwords(first).items():
        assert users.authenticate(email, password) is not None, email


def test_a_password_changed_since_is_reset_and_said(catalog, runner):
    first = passwords(runner.invoke(args=["demo"]).output)
    admin = users.get_by_email("admin@demo.assessor.test")
    users.set_password(admin.id, "a password chosen in the ui")
    second = runner.invoke(args=["demo"]).output
    line = next(x for x in second.splitlines() if "admin@demo.assessor.test" in x)
    assert "password reset" in line and "no longer works" in line
    assert passwords(second) == first
    assert users.authenticate("admin@demo.assessor.test", first["admin@demo.assessor.test"])
    resets = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "user.password_reset")
    ).all()
    assert [e.data.get("via") for e in resets] == [None, "demo"]


def test_a_deactivated_demo_account_is_brought_back_and_said(catalog, runner):
    runner.invoke(args=["demo"])
    interviewer = users.get_by_email("interviewer@demo.assessor.test")
    staff_roles.set_active(interviewer.id, False)
    output = runner.invoke(args=["demo"]).output
    assert "reactivated" in output


def test_once_casey_has_submitted_a_fresh_invitation_is_printed(catalog, runner):
    first = runner.invoke(args=["demo"]).output
    attempt = attempt_for_token(link(first).rsplit("/a/", 1)[1])
    attempts.start(attempt.id)
    finalization.finish_attempt(attempt.id)
    second = runner.invoke(args=["demo"]).output
    assert link(second) != link(first) and "casey2@demo.assessor.test" in second
    assert attempt_for_token(link(second).rsplit("/a/", 1)[1]).status.value == "invited"


def test_links_use_the_port_or_public_url(catalog, runner, app):
    app.config["PUBLIC_URL"] = ""
    out = runner.invoke(args=["demo"], env={"PORT": "8123"}).output
    assert "http://127.0.0.1:8123/login" in out and link(out).startswith("http://127.0.0.1:8123/a/")
    out = runner.invoke(args=["demo", "--port", "9000"]).output
    assert "http://127.0.0.1:9000/assessments/" in out
    app.config["PUBLIC_URL"] = "https://hire.example.org"
    out = runner.invoke(args=["demo"], env={"PORT": "8123"}).output
    assert link(out).startswith("https://hire.example.org/a/")


def test_an_empty_catalog_says_what_to_do(ctx, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0 and "assessor challenges sync" in result.output
