import pytest
from sqlalchemy import select

from assessor.extensions import db
from assessor.models import AuditEvent, Role
from assessor.services import Conflict, DomainError
from assessor.services.staff_roles import deactivate_user
from assessor.services.users import (
    NewUser,
    WeakPassword,
    authenticate,
    create_user,
)

GOOD = "a sufficiently long passphrase"


def test_create_user_normalizes_email_and_audits(ctx):
    user = create_user(NewUser(" Ada@Example.TEST ", "Ada", Role.ADMIN, GOOD))
    assert user.email == "ada@example.test"
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert actions == ["user.create"]


@pytest.mark.parametrize("password", ["short", "aaaaaaaaaaaaaaaa", "xx-adalovelace-xx"])
def test_weak_passwords_are_refused(ctx, password):
    with pytest.raises(WeakPassword):
        create_user(NewUser("adalovelace@example.test", "Ada", Role.ADMIN, password))


def test_duplicate_email_is_a_conflict(ctx):
    create_user(NewUser("a@example.test", "A", Role.AUTHOR, GOOD))
    with pytest.raises(Conflict):
        create_user(NewUser("A@EXAMPLE.test", "A2", Role.AUTHOR, GOOD))


def test_malformed_email_is_refused(ctx):
    with pytest.raises(DomainError, match="email"):
        create_user(NewUser("not-an-email", "A", Role.AUTHOR, GOOD))


def test_authenticate_checks_password_and_active_flag(ctx):
    create_user(NewUser("i@example.test", "I", Role.INTERVIEWER, GOOD))
    assert authenticate("I@example.test", GOOD) is not None
    assert authenticate("i@example.test", GOOD + "!") is None
    assert authenticate("nobody@example.test", GOOD) is None
    create_user(NewUser("admin@example.test", "Adm", Role.ADMIN, GOOD))
    deactivate_user("i@example.test")
    assert authenticate("i@example.test", GOOD) is None
    failed = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "auth.login_failed")
    ).all()
    assert len(failed) == 3


def test_last_active_admin_cannot_be_deactivated(ctx):
    create_user(NewUser("root@example.test", "Root", Role.ADMIN, GOOD))
    with pytest.raises(Conflict, match="last active admin"):
        deactivate_user("root@example.test")


def test_password1234_cannot_create_an_account(ctx):
    with pytest.raises(WeakPassword, match="commonly used"):
        create_user(NewUser("p@example.test", "P", Role.AUTHOR, "Password1234"))


def test_create_user_never_makes_an_account_without_a_password(ctx):
    with pytest.raises(WeakPassword):
        create_user(NewUser("p@example.test", "P", Role.AUTHOR, None))
