import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, StatementError

from assessor.extensions import db
from assessor.models import Role, User


def test_password_is_hashed_and_checked(ctx):
    user = User(email="a@x.test", name="A", role=Role.ADMIN)
    user.set_password("a long enough password")
    assert "a long enough password" not in user.password_hash
    assert user.password_hash.startswith(("scrypt:", "pbkdf2:"))
    assert user.check_password("a long enough password")
    assert not user.check_password("a long enough passworD")


def test_email_is_unique(ctx):
    for _ in range(2):
        user = User(email="dup@x.test", name="D", role=Role.AUTHOR)
        user.set_password("a long enough password")
        db.session.add(user)
    with pytest.raises(IntegrityError):
        db.session.commit()


def test_role_outside_the_enum_is_refused(ctx):
    user = User(email="r@x.test", name="R", role="superuser", password_hash="x")
    db.session.add(user)
    with pytest.raises(StatementError, match="not among the defined enum values"):
        db.session.commit()
    db.session.rollback()


def test_database_check_constraint_backs_the_role_enum(ctx):
    # Raw SQL bypasses the ORM: the CHECK constraint must still refuse the row.
    insert = text(
        "INSERT INTO users (email, name, role, password_hash, active, created_at)"
        " VALUES ('r@x.test', 'R', 'superuser', 'x', true, CURRENT_TIMESTAMP)"
    )
    with pytest.raises(IntegrityError):
        db.session.execute(insert)
        db.session.commit()
    db.session.rollback()
