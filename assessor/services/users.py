"""Staff accounts: create, authenticate, list and deactivate."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from assessor.extensions import db
from assessor.models import Role, User, utcnow
from assessor.services import Conflict, DomainError, NotFound, audit

MIN_PASSWORD_LENGTH = 12
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# Hashing a dummy password for unknown emails keeps login time flat, so timing does not
# reveal which staff emails exist.
_DUMMY_HASH = generate_password_hash("not-a-real-password-0000")


class WeakPassword(DomainError):
    """The password is too short or too plain to protect a staff account."""


class InvalidEmail(DomainError):
    """The email address is malformed."""


@dataclass(frozen=True)
class NewUser:
    email: str
    name: str
    role: Role
    password: str


def normalize_email(email: str) -> str:
    """Lower-case and trim an email so lookups are case-insensitive."""
    return email.strip().lower()


def check_password_strength(password: str, email: str = "") -> None:
    """Raise WeakPassword unless the password is long and not trivially guessable."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    if len(set(password)) < 5:
        raise WeakPassword("password must not repeat a few characters")
    local = normalize_email(email).split("@")[0]
    if local and len(local) >= 4 and local in password.lower():
        raise WeakPassword("password must not contain the email address")


def create_user(new: NewUser, *, actor_id: int | None = None) -> User:
    """Create a staff account; raise Conflict if the email is taken."""
    email = normalize_email(new.email)
    if not EMAIL_RE.match(email):
        raise InvalidEmail(f"not a valid email address: {new.email!r}")
    if not new.name.strip():
        raise DomainError("name must not be empty")
    check_password_strength(new.password, email)
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict(f"a user with email {email} already exists")
    user = User(email=email, name=new.name.strip(), role=Role(new.role))
    user.set_password(new.password)
    db.session.add(user)
    db.session.flush()
    audit.record("user.create", actor_id=actor_id, target=user, role=user.role.value)
    db.session.commit()
    return user


def authenticate(email: str, password: str, *, ip: str | None = None) -> User | None:
    """Return the active user with these credentials, or None; audit both outcomes."""
    user = db.session.scalar(select(User).where(User.email == normalize_email(email)))
    if user is None:
        User(password_hash=_DUMMY_HASH).check_password(password)
        ok = False
    else:
        ok = user.check_password(password) and user.active
    if ok:
        user.last_login_at = utcnow()
        audit.record("auth.login", actor_id=user.id, target=user, ip=ip)
    else:
        audit.record("auth.login_failed", ip=ip, email=normalize_email(email)[:254])
    db.session.commit()
    return user if ok else None


def list_users() -> list[User]:
    """Return every staff account, admins first."""
    return list(db.session.scalars(select(User).order_by(User.role, User.email)))


def get_by_email(email: str) -> User:
    """Return the user with this email or raise NotFound."""
    user = db.session.scalar(select(User).where(User.email == normalize_email(email)))
    if user is None:
        raise NotFound(f"no user with email {normalize_email(email)}")
    return user


def deactivate_user(email: str, *, actor_id: int | None = None) -> User:
    """Disable an account; its sessions stop working on their next request."""
    user = get_by_email(email)
    if user.role is Role.ADMIN and user.active:
        active_admins = db.session.scalar(
            select(func.count(User.id)).where(User.role == Role.ADMIN, User.active.is_(True))
        )
        if active_admins <= 1:
            raise Conflict("cannot deactivate the last active admin")
    user.active = False
    audit.record("user.deactivate", actor_id=actor_id, target=user)
    db.session.commit()
    return user
