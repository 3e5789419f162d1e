"""`assessor invite`: one candidate or a CSV file, through the same services as the pages."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from assessor.extensions import db
from assessor.models import AssessmentShare, Attempt, AuditEvent, Role
from assessor.services.invitations import attempt_for_token
from tests.factories import make_assessment, make_user

LINK = re.compile(r"http://assessor\.test/a/([A-Za-z0-9_-]{43})")


@pytest.fixture
def assessment(ctx):
    return make_assessment(make_user(Role.INTERVIEWER))


def attempts(assessment):
    return list(
        db.session.scalars(
            select(Attempt).where(Attempt.assessment_id == assessment.id).order_by(Attempt.id)
        )
    )


def test_help_explains_both_forms_and_the_exit_status(runner):
    result = runner.invoke(args=["invite", "--help"])
    assert result.exit_code == 0
    for words in ("--csv", "--name", "--extra-minutes", "--days", "name,email[,extra_minutes]"):
        assert words in result.output
    assert "Exit status" in result.output


def test_one_candidate_gets_a_printed_working_link(runner, assessment):
    args = ["invite", "--assessment", str(assessment.id), "--name", "Ada Lovelace"]
    result = runner.invoke(args=[*args, "--email", "ada@example.test", "--extra-minutes", "25"])
    assert result.exit_code == 0, result.output
    assert "Ada Lovelace <ada@example.test>  [not emailed: no mail server" in result.output
    token = LINK.search(result.output).group(1)
    attempt = attempt_for_token(token)
    assert attempt.extra_minutes == 25 and attempt.candidate_email == "ada@example.test"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "invitation.create"))
    assert event.actor_id is None and event.data["via"] == "cli"


def test_days_default_to_invitation_days_and_can_be_set(app, runner, assessment):
    app.config["INVITATION_DAYS"] = 2
    base = ["invite", "--assessment", str(assessment.id)]
    runner.invoke(args=[*base, "--name", "A", "--email", "a@example.test"])
    runner.invoke(args=[*base, "--name", "B", "--email", "b@example.test", "--days", "40"])
    first, second = attempts(assessment)
    assert (first.expires_at - first.created_at).days == 2
    assert (second.expires_at - second.created_at).days == 40


def test_a_csv_file_invites_every_row(runner, assessment, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text(
        "\ufeffname,email,extra_minutes\nAda,ada@example.test,\nBo,bo@example.test,30\n",
        encoding="utf-8",
    )
    args = ["invite", "--assessment", str(assessment.id), "--csv", str(path)]
    result = runner.invoke(args=[*args, "--extra-minutes", "5"])
    assert result.exit_code == 0, result.output
    assert len(LINK.findall(result.output)) == 2
    assert [(a.candidate_name, a.extra_minutes) for a in attempts(assessment)] == [
        ("Ada", 5),
        ("Bo", 30),
    ]


def test_bad_rows_are_listed_and_nothing_is_invited(runner, assessment, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text("Ada,ada@example.test\nBob,bob@\nCarol\n", encoding="utf-8")
    args = ["invite", "--assessment", str(assessment.id), "--csv", str(path)]
    result = runner.invoke(args=args)
    assert result.exit_code == 1
    assert "Nothing was invited: 2 rows to fix." in result.output
    assert "line 2: 'bob@' is not an email address" in result.output
    assert "line 3: expected `name, email`" in result.output
    assert attempts(assessment) == []


def test_already_invited_rows_are_refused_or_skipped(runner, assessment, tmp_path):
    base = ["invite", "--assessment", str(assessment.id)]
    runner.invoke(args=[*base, "--name", "Ada", "--email", "ada@example.test"])
    path = tmp_path / "people.csv"
    path.write_text("Ada,ada@example.test\nBo,bo@example.test\n", encoding="utf-8")
    refused = runner.invoke(args=[*base, "--csv", str(path)])
    assert (
        refused.exit_code == 1 and "line 1: ada@example.test is already invited" in refused.output
    )
    skipped = runner.invoke(args=[*base, "--csv", str(path), "--skip-invited"])
    assert skipped.exit_code == 0, skipped.output
    assert "line 1: skipped" in skipped.output and "bo@example.test" in skipped.output
    assert len(attempts(assessment)) == 2
    single = runner.invoke(args=[*base, "--name", "Ada", "--email", "ada@example.test"])
    assert single.exit_code == 1 and "already invited" in single.output


def test_the_inviter_must_be_able_to_manage_the_assessment(runner, assessment):
    viewer = make_user(Role.INTERVIEWER)
    db.session.add(AssessmentShare(assessment_id=assessment.id, user_id=viewer.id))
    db.session.commit()
    base = [
        "invite",
        "--assessment",
        str(assessment.id),
        "--name",
        "A",
        "--email",
        "a@example.test",
    ]
    refused = runner.invoke(args=[*base, "--by", viewer.email])
    assert refused.exit_code == 1 and "view this assessment but not change it" in refused.output
    ok = runner.invoke(args=[*base, "--by", assessment.owner.email])
    assert ok.exit_code == 0, ok.output
    [attempt] = attempts(assessment)
    assert attempt.invited_by_id == assessment.owner_id


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--name", "A"], "give --name and --email"),
        (["--name", "A", "--email", "a@example.test", "--csv", "-"], "either --csv"),
    ],
)
def test_usage_mistakes_are_explained(runner, assessment, args, message):
    result = runner.invoke(args=["invite", "--assessment", str(assessment.id), *args])
    assert result.exit_code == 2 and message in result.output


def test_an_unknown_assessment_is_a_clear_error(runner, ctx):
    args = ["invite", "--assessment", "999", "--name", "A", "--email", "a@example.test"]
    result = runner.invoke(args=args)
    assert result.exit_code == 1 and "no assessment with id 999" in result.output


def test_no_email_prints_links_only(runner, assessment):
    args = ["invite", "--assessment", str(assessment.id), "--name", "A"]
    result = runner.invoke(args=[*args, "--email", "a@example.test", "--no-email"])
    assert result.exit_code == 0 and "[not emailed (--no-email)]" in result.output


class TestWhenMailFails:
    @pytest.fixture
    def app_config(self, app_config):
        backend = "tests.unit.services.test_mail.RefusingEmailBackend"
        return app_config | {"MAIL_SERVER": "smtp.test", "MAIL_BACKEND": backend}

    def test_the_link_is_printed_and_the_exit_status_says_so(self, runner, assessment):
        args = ["invite", "--assessment", str(assessment.id), "--name", "A"]
        result = runner.invoke(args=[*args, "--email", "a@example.test"])
        assert result.exit_code == 3
        assert "[EMAIL FAILED (ConnectionRefusedError" in result.output
        assert attempt_for_token(LINK.search(result.output).group(1)).candidate_name == "A"
