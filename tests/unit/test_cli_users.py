"""`assessor users`: the same account services as the Staff pages, from the command line."""

import re

from sqlalchemy import select

from assessor.extensions import db
from assessor.models import AuditEvent, Role, User
from assessor.services import password_links
from tests.factories import TEST_PASSWORD, make_user

NEW = "plum kettle orbit seventy"


def create(runner, password, *extra):
    args = ["users", "create", "--email", "Root@Example.test", "--name", "Root", "--role", "admin"]
    return runner.invoke(args=[*args, "--password-stdin", *extra], input=password + "\n")


def user_by(email):
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def test_create_with_password_on_stdin(ctx, runner):
    result = create(runner, "a long and random passphrase")
    assert result.exit_code == 0, result.output
    user = user_by("root@example.test")
    assert user.role is Role.ADMIN and user.check_password("a long and random passphrase")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.create"))
    assert event.actor_id is None and event.data["via"] == "cli"


def test_create_refuses_weak_passwords_clearly(ctx, runner):
    short = create(runner, "short")
    assert short.exit_code != 0 and "at least 12 characters" in short.output
    common = create(runner, "Password1234")
    assert common.exit_code != 0 and "commonly used password" in common.output
    assert db.session.scalar(select(User)) is None


def test_generated_password_is_printed_once_and_works(ctx, runner):
    args = ["users", "create", "--email", "g@example.test", "--name", "G", "--role", "author"]
    result = runner.invoke(args=[*args, "--generate-password"])
    assert result.exit_code == 0, result.output
    password = result.output.split("Password (shown once): ")[1].strip()
    assert user_by("g@example.test").check_password(password)


def test_invite_prints_a_working_link_without_smtp(ctx, runner):
    args = ["users", "invite", "--email", "n@example.test", "--name", "Nia", "--role", "author"]
    result = runner.invoke(args=[*args, "--base-url", "https://hire.example.org/"])
    assert result.exit_code == 0, result.output
    assert "No email sent (no SMTP server)" in result.output
    url = re.search(r"https://hire\.example\.org/password/(\S+)", result.output)
    password_links.redeem(url.group(1), NEW)
    assert user_by("n@example.test").check_password(NEW)


def test_list_role_deactivate_reactivate(ctx, runner):
    make_user(Role.ADMIN, email="boss@example.test")
    make_user(Role.AUTHOR, email="writer@example.test")
    listed = runner.invoke(args=["users", "list"]).output
    assert "boss@example.test" in listed and "writer@example.test" in listed
    assert (
        runner.invoke(args=["users", "role", "writer@example.test", "interviewer"]).exit_code == 0
    )
    assert user_by("writer@example.test").role is Role.INTERVIEWER
    assert runner.invoke(args=["users", "deactivate", "writer@example.test"]).exit_code == 0
    assert "deactivated" in runner.invoke(args=["users", "list"]).output
    assert runner.invoke(args=["users", "reactivate", "writer@example.test"]).exit_code == 0
    assert user_by("writer@example.test").active
    last = runner.invoke(args=["users", "role", "boss@example.test", "author"])
    assert last.exit_code != 0 and "last active admin" in last.output
    missing = runner.invoke(args=["users", "deactivate", "ghost@example.test"])
    assert missing.exit_code != 0 and "no user" in missing.output
    vias = db.session.scalars(select(AuditEvent.data)).all()
    assert vias and all(d.get("via") == "cli" for d in vias)


def test_reset_password_disables_the_old_one_and_prints_a_link(ctx, runner):
    user = make_user(email="ivy@example.test")
    result = runner.invoke(args=["users", "reset-password", "ivy@example.test"])
    assert result.exit_code == 0, result.output
    assert "no longer works" in result.output and "/password/" in result.output
    assert not user_by(user.email).check_password(TEST_PASSWORD)
    assert "no password" in runner.invoke(args=["users", "list"]).output
