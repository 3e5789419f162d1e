"""`assessor assessments create|list`: the web UI's services, from scripts."""

import json

import pytest
from sqlalchemy import select

from assessor.extensions import db
from assessor.models import Assessment, AssessmentStatus, AuditEvent, Role
from assessor.services import assessments
from tests.factories import make_attempt, make_user, make_version


@pytest.fixture
def library(ctx):
    return {slug: make_version(slug) for slug in ("alpha", "beta")}


@pytest.fixture
def owner(ctx):
    return make_user(Role.INTERVIEWER, email="ivan@example.test")


def _create(runner, *extra):
    args = ["assessments", "create", "--title", "Round one", "--duration", "90"]
    return runner.invoke(args=[*args, "--owner", "IVAN@example.test", *extra])


def test_create_with_weights_in_order(runner, library, owner, tmp_path):
    notes = tmp_path / "about.md"
    notes.write_text("Read **everything**.\n")
    result = _create(
        runner,
        "--challenge",
        "beta:2.5",
        "--challenge",
        "alpha",
        "--time-budget",
        "75",
        "--description-file",
        str(notes),
        "--blind-review",
    )
    assert result.exit_code == 0, result.output
    created = db.session.scalar(select(Assessment))
    assert f"Created assessment #{created.id} “Round one”: 2 challenges," in result.output
    assert [(i.challenge_version_id, i.weight) for i in created.items] == [
        (library["beta"].id, 2.5),
        (library["alpha"].id, 1.0),
    ]
    assert created.owner_id == owner.id and created.time_budget_minutes == 75
    assert created.description == "Read **everything**.\n" and created.blind_review
    assert created.pinned_at is None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "assessment.create"))
    assert event.actor_id is None and event.data["via"] == "cli"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--challenge", "nope"], "no challenge 'nope' in the catalog"),
        (["--challenge", "alpha:heavy"], "SLUG or SLUG:WEIGHT"),
        (["--challenge", "alpha", "--challenge", "alpha"], "appears twice"),
        (["--challenge", "alpha:0"], "weights must be above 0"),
    ],
)
def test_create_explains_refusals(runner, library, owner, extra, message):
    result = _create(runner, *extra)
    assert result.exit_code != 0 and message in result.output
    assert db.session.scalar(select(Assessment)) is None


def test_create_refuses_an_owner_who_cannot_own(runner, library, ctx):
    make_user(Role.AUTHOR, email="ivan@example.test")
    result = _create(runner, "--challenge", "alpha")
    assert result.exit_code != 0 and "is an author" in result.output
    args = ["assessments", "create", "--title", "x", "--duration", "5", "--challenge", "alpha"]
    result = runner.invoke(args=[*args, "--owner", "ghost@example.test"])
    assert result.exit_code != 0 and "no user with email ghost@example.test" in result.output


def test_list_shows_status_owner_challenges_and_attempts(runner, library, owner):
    other = make_user(Role.ADMIN, email="ada@example.test")
    first = assessments.create_assessment(
        assessments.NewAssessment("Round one", 60, owner.id, [assessments.ItemSpec(slug="alpha")])
    )
    second = assessments.create_assessment(
        assessments.NewAssessment(
            "Round two",
            30,
            other.id,
            [assessments.ItemSpec(slug="alpha"), assessments.ItemSpec(slug="beta")],
        )
    )
    assessments.pin(first.id)
    make_attempt(db.session.get(Assessment, first.id))
    make_attempt(db.session.get(Assessment, first.id))
    assessments.archive(second.id, actor_id=None)

    table = runner.invoke(args=["assessments", "list"])
    assert table.exit_code == 0, table.output
    lines = table.output.splitlines()
    assert lines[0].split()[:3] == ["ID", "TITLE", "STATUS"]
    assert any(
        f"{first.id}" in line and "active, pinned" in line and "ivan@example.test" in line
        for line in lines
    )
    assert any("archived" in line and "ada@example.test" in line for line in lines)

    data = json.loads(runner.invoke(args=["assessments", "list", "--json"]).output)
    by_id = {row["id"]: row for row in data}
    assert by_id[first.id]["attempts"] == 2 and by_id[first.id]["pinned"] is True
    assert [c["slug"] for c in by_id[second.id]["challenges"]] == ["alpha", "beta"]

    active = json.loads(
        runner.invoke(args=["assessments", "list", "--status", "active", "--json"]).output
    )
    assert [row["id"] for row in active] == [first.id]
    mine = json.loads(
        runner.invoke(args=["assessments", "list", "--owner", "ADA@example.test", "--json"]).output
    )
    assert [row["id"] for row in mine] == [second.id]
    assert db.session.get(Assessment, second.id).status is AssessmentStatus.ARCHIVED


def test_list_says_how_to_start(runner, ctx):
    result = runner.invoke(args=["assessments", "list"])
    assert result.exit_code == 0 and "assessor assessments create --help" in result.output


def test_help_explains_the_options(runner):
    text = runner.invoke(args=["assessments", "create", "--help"]).output
    assert "SLUG[:WEIGHT]" in text and "pinned" in text and "--time-budget" in text
    assert "list" in runner.invoke(args=["assessments", "--help"]).output
