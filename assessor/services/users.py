"""Staff accounts: create, authenticate, look up, and set a password (roles: staff_roles.py)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from werkzeug.security import generate_password_hash

from assessor.extensions import db
from assessor.models import PasswordReset, Role, User, utcnow
from assessor.services import Conflict, DomainError, NotFound, audit, passwords
from assessor.services.passwords import WeakPassword

__all__ = ["WeakPassword"]  # kept importable from here: callers catch it around create_user

MIN_PASSWORD_LENGTH = passwords.MIN_LENGTH
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# No password matches an empty hash (User.check_password): an invited account, or one whose
# password an admin reset, cannot sign in until its owner sets a password through the link.
NO_PASSWORD = ""
# Hashing a dummy password for unknown emails keeps login time flat, so timing does not
# reveal which staff emails exist.
_DUMMY_HASH = generate_password_hash("not-a-real-password-0000")


class InvalidEmail(DomainError):
    """The email address is malformed."""


@dataclass(frozen=True)
class Actor:
    """Who acts: a signed-in staff member and their address, or a command (`via`)."""

    user_id: int | None = None
    ip: str | None = None
    via: str | None = None  # "cli" or "demo" when no staff member acts

    def audit(self) -> dict[str, Any]:
        """Return the audit.record arguments naming this actor."""
        return {"actor_id": self.user_id, "ip": self.ip, **({"via": self.via} if self.via else {})}


NOBODY = Actor()


@dataclass(frozen=True)
class NewUser:
    email: str
    name: str
    role: Role
    password: str


@dataclass(frozen=True)
class StaffMember:
    """A staff account as the admin pages show it."""

    id: int
    email: str
    name: str
    role: str
    active: bool
    created_at: datetime
    last_login_at: datetime | None
    awaiting_password: bool  # invited or reset: no password works until they set one


def normalize_email(email: str) -> str:
    """Lower-case and trim an email so lookups are case-insensitive."""
    return email.strip().lower()


def check_password_strength(password: str, email: str = "", name: str = "") -> None:
    """Raise WeakPassword unless the password meets the policy (see services/passwords.py)."""
    passwords.check(password, email=email, name=name)


def _validated(email: str, name: str, role: Role | str) -> tuple[str, str, Role]:
    email = normalize_email(email)
    if not EMAIL_RE.match(email) or len(email) > 254:
        raise InvalidEmail(f"not a valid email address: {email!r}")
    name = name.strip()
    if not name or len(name) > 120:
        raise DomainError("a name must have 1 to 120 characters")
    try:
        role = Role(role)
    except ValueError:
        raise DomainError(f"unknown role {role!r}") from None
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict(f"a user with email {email} already exists")
    return email, name, role


def add_account(
    email: str,
    name: str,
    role: Role | str,
    *,
    password: str | None,
    by: Actor = NOBODY,
) -> User:
    """Add an account to the session (password None: none works yet); the caller commits."""
    email, name, role = _validated(email, name, role)
    if password is not None:
        check_password_strength(password, email, name)
    user = User(email=email, name=name, role=role, password_hash=NO_PASSWORD)
    if password is not None:
        user.set_password(password)
    db.session.add(user)
    db.session.flush()
    audit.record(
        "user.create" if password is not None else "user.invite",
        target=user,
        role=role.value,
        **by.audit(),
    )
    return user


def create_user(new: NewUser, *, actor_id: int | None = None, by: Actor | None = None) -> User:
    """Create a staff account with a password; raise Conflict if the email is taken."""
    by = by or Actor(actor_id)
    # Never None here: an account without a password is made only by an invitation.
    user = add_account(new.email, new.name, new.role, password=new.password or "", by=by)
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


def session_key(user: User) -> str:
    """Return what a session or remember-me cookie holds: the id bound to the credentials."""
    return f"{user.id}:{credential_fingerprint(user)}"


def credential_fingerprint(user: User) -> str:
    """Return a short digest of the password hash and session version: either change ends it."""
    # A session signed in with a password that was since reset or changed must end, and so
    # must every session once the user signs out: the session names both. The digest of a
    # salted scrypt hash reveals nothing that helps guess the password.
    material = f"{user.password_hash}:{user.session_version or 0}"
    return hashlib.sha256(material.encode()).hexdigest()[:16]


def list_users() -> list[User]:
    """Return every staff account, admins first."""
    return list(db.session.scalars(select(User).order_by(User.role, User.email)))


def staff_list() -> list[StaffMember]:
    """Return every staff account as view data: active ones first, then by role and email."""
    users = sorted(list_users(), key=lambda u: (not u.active, u.role.value, u.email))
    return [_member(u) for u in users]


def member(user_id: int) -> StaffMember:
    """Return one staff account as view data, or raise NotFound."""
    return _member(get_user(user_id))


def _member(user: User) -> StaffMember:
    return StaffMember(
        id=user.id,
        email=user.email,
        name=user.name,
        role=user.role.value,
        active=user.active,
        created_at=user.created_at,
        last_login_at=user.last_login_at,
        awaiting_password=user.password_hash == NO_PASSWORD,
    )


def get_user(user_id: int) -> User:
    """Return the user with this id or raise NotFound."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("No such staff account.")
    return user


def get_by_email(email: str) -> User:
    """Return the user with this email or raise NotFound."""
    user = db.session.scalar(select(User).where(User.email == normalize_email(email)))
    if user is None:
        raise NotFound(f"no user with email {normalize_email(email)}")
    return user


def set_password(user_id: int, password: str, by: Actor = NOBODY) -> User:
    """Replace an account's password with one that meets the policy; earlier sessions end."""
    user = get_user(user_id)
    check_password_strength(password, user.email, user.name)
    user.set_password(password)
    cancel_open_links(user.id)
    audit.record("user.password_reset", target=user, **by.audit())
    db.session.commit()
    return user


def cancel_open_links(user_id: int) -> None:
    """Expire the account's unused set-password links (in the caller's transaction)."""
    now = utcnow()
    db.session.execute(
        update(PasswordReset)
        .where(
            PasswordReset.user_id == user_id,
            PasswordReset.used_at.is_(None),
            PasswordReset.expires_at > now,
        )
        .values(expires_at=now)
        .execution_options(synchronize_session=False)
    )


def active_user(user_id: object) -> User | None:
    """Return the active staff account with this id (a session's user), or None."""
    try:
        user = db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None
    return user if user is not None and user.active else None


def record_logout(user_id: int, ip: str | None) -> None:
    """End every session of the user (a saved cookie no longer works) and audit the sign-out."""
    db.session.execute(
        update(User)
        .where(User.id == user_id)
        .values(session_version=User.session_version + 1)
        .execution_options(synchronize_session=False)
    )
    audit.record("auth.logout", actor_id=user_id, ip=ip)
    db.session.commit()
