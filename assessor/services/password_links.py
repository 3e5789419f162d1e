"""One-time links to set a staff password: for an invited member, or after an admin's reset.

The token is shown or emailed once and stored only as its SHA-256, so the database alone opens
no account; a link works once, expires, and issuing a new one cancels the older ones.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from assessor.extensions import db
from assessor.models import MessageStatus, PasswordReset, Role, User, utcnow
from assessor.services import DomainError, NotFound, audit, mail, passwords, users

TOKEN_BYTES = 32  # 256 bits: a link cannot be guessed, even without the rate limit
INVITE_VALID = timedelta(days=7)
RESET_VALID = timedelta(hours=24)

LinkMaker = Callable[[str], str]  # token -> the absolute URL of the set-password page


class InvalidLink(NotFound):
    """The link is mistyped, was already used, was replaced by a newer one, or has expired."""


@dataclass(frozen=True)
class IssuedLink:
    """A link just issued: the admin sees `url` unless the email went out."""

    user_id: int
    email: str
    name: str
    url: str
    expires_at: datetime
    delivery: str  # the outbox status: sent, not_sent (no SMTP configured) or failed
    error: str | None

    @property
    def emailed(self) -> bool:
        return self.delivery == MessageStatus.SENT.value


@dataclass(frozen=True)
class LinkHolder:
    """What the set-password page shows about the account a link opens."""

    email: str
    name: str
    first_time: bool  # a new member choosing their first password, not a reset
    expires_at: datetime


def hash_token(token: str) -> str:
    """Return the stored form of a link's token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def invite(
    email: str,
    name: str,
    role: Role | str,
    *,
    link_for: LinkMaker,
    by: users.Actor = users.NOBODY,
) -> IssuedLink:
    """Create an account with no usable password and send its owner a set-password link."""
    user = users.add_account(email, name, role, password=None, by=by)
    token, expires_at = _issue(user, by.user_id, INVITE_VALID)
    db.session.commit()
    return _deliver(user, token, expires_at, link_for, by.user_id, invited=True)


def reset(user_id: int, *, link_for: LinkMaker, by: users.Actor = users.NOBODY) -> IssuedLink:
    """Disable the account's password now and send a link to set a new one.

    The old password stops working at once, and so do the sessions opened with it: a reset is
    asked for when a password is forgotten (nothing is lost) or may be known to someone else
    (then it must not keep working while the link waits in an inbox).
    """
    user = users.get_user(user_id)
    if not user.active:
        raise DomainError("Reactivate the account before resetting its password.")
    user.password_hash = users.NO_PASSWORD
    token, expires_at = _issue(user, by.user_id, RESET_VALID)
    audit.record("user.password_reset", target=user, **by.audit())
    db.session.commit()
    return _deliver(user, token, expires_at, link_for, by.user_id, invited=False)


def resend_invitation(
    user_id: int, *, link_for: LinkMaker, by: users.Actor = users.NOBODY
) -> IssuedLink:
    """Send a new link to a member who has not set a password yet (the old link stops working)."""
    user = users.get_user(user_id)
    if not user.active or user.password_hash != users.NO_PASSWORD:
        raise DomainError("Only an active account still waiting for its password gets a new link.")
    token, expires_at = _issue(user, by.user_id, INVITE_VALID)
    audit.record("user.link_resend", target=user, **by.audit())
    db.session.commit()
    first = user.last_login_at is None
    return _deliver(user, token, expires_at, link_for, by.user_id, invited=first)


def holder(token: str) -> LinkHolder:
    """Describe the account a live link opens, or raise InvalidLink."""
    row, user = _live(token)
    db.session.rollback()
    return LinkHolder(user.email, user.name, user.last_login_at is None, row.expires_at)


def redeem(token: str, password: str, *, ip: str | None = None) -> User:
    """Set the account's password through a live link, which then stops working."""
    row, user = _live(token, lock=True)
    try:
        passwords.check(password, email=user.email, name=user.name)
    except passwords.WeakPassword:
        db.session.rollback()
        raise
    now = utcnow()
    # Compare-and-set: of two submissions of the same link, only one sets the password.
    claimed = db.session.execute(
        update(PasswordReset)
        .where(PasswordReset.id == row.id, PasswordReset.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        db.session.rollback()
        raise InvalidLink(_INVALID)
    users.cancel_open_links(user.id)
    user.set_password(password)
    audit.record("user.password_set", actor_id=user.id, target=user, ip=ip)
    db.session.commit()
    return user


_INVALID = (
    "This link does not work: it was already used, replaced by a newer one, or has expired. "
    "Ask an administrator for a new one."
)


def _live(token: str, *, lock: bool = False) -> tuple[PasswordReset, User]:
    if not token or len(token) > 128:
        raise InvalidLink(_INVALID)
    query = select(PasswordReset).where(PasswordReset.token_hash == hash_token(token))
    row = db.session.scalar(query.with_for_update() if lock else query)
    user = db.session.get(User, row.user_id) if row is not None else None
    if row is None or row.used_at is not None or row.expires_at <= utcnow() or not user.active:
        db.session.rollback()
        raise InvalidLink(_INVALID)
    return row, user


def _issue(user: User, actor_id: int | None, valid: timedelta) -> tuple[str, datetime]:
    users.cancel_open_links(user.id)  # only the newest link works
    token = secrets.token_urlsafe(TOKEN_BYTES)
    expires_at = utcnow() + valid
    db.session.add(
        PasswordReset(
            user_id=user.id,
            token_hash=hash_token(token),
            created_by_id=actor_id,
            expires_at=expires_at,
        )
    )
    return token, expires_at


def _deliver(
    user: User,
    token: str,
    expires_at: datetime,
    link_for: LinkMaker,
    actor_id: int | None,
    *,
    invited: bool,
) -> IssuedLink:
    url = link_for(token)
    sender = db.session.get(User, actor_id) if actor_id is not None else None
    by = sender.name if sender is not None else "An administrator"
    until = expires_at.strftime("%d %B %Y, %H:%M UTC")
    if invited:
        subject = "Your Assessor staff account"
        opening = (
            f"{by} created an Assessor account for you ({user.email}, role: {user.role.value}).\n"
            "Choose your password with this link"
        )
    else:
        subject = "Set a new Assessor password"
        opening = (
            f"{by} reset the password of your Assessor account ({user.email}).\n"
            "Your previous password no longer works. Choose a new one with this link"
        )
    text = (
        f"Hello {user.name},\n\n{opening} (it works once, until {until}):\n\n{url}\n\n"
        "If you did not expect this message, you can ignore it.\n"
    )
    purpose = "staff_invite" if invited else "password_reset"
    message = mail.send(
        purpose, user.email, subject, text, user_id=user.id, sent_by_id=actor_id, redact=[token]
    )
    return IssuedLink(
        user.id, user.email, user.name, url, expires_at, message.status.value, message.error
    )
