"""Who may act on the platform: change a staff member's role, deactivate and reactivate them.

The last active admin always remains: nobody, themselves included, can take that role or access
away, so the platform can never be left without someone to manage it.
"""

from __future__ import annotations

from sqlalchemy import select

from assessor.extensions import db
from assessor.models import Role, User
from assessor.services import Conflict, DomainError, audit
from assessor.services.users import NOBODY, Actor, cancel_open_links, get_by_email, get_user


class LastAdmin(Conflict):
    """The change would leave no active admin to manage the platform."""


def change_role(user_id: int, role: Role | str, by: Actor = NOBODY) -> User:
    """Give an account another role; the last active admin keeps theirs."""
    try:
        role = Role(role)
    except ValueError:
        raise DomainError(f"unknown role {role!r}") from None
    user = get_user(user_id)
    if user.role is role:
        db.session.rollback()
        return user
    _keep_an_admin(user, "change the role of")
    previous, user.role = user.role, role
    audit.record("user.role_change", target=user, old=previous.value, new=role.value, **by.audit())
    db.session.commit()
    return user


def set_active(user_id: int, active: bool, by: Actor = NOBODY) -> User:
    """Deactivate (its sessions end on their next request) or reactivate an account."""
    user = get_user(user_id)
    if user.active is active:
        db.session.rollback()
        return user
    if not active:
        _keep_an_admin(user, "deactivate")
        cancel_open_links(user.id)  # a deactivated account must not come back through a link
    user.active = active
    audit.record("user.reactivate" if active else "user.deactivate", target=user, **by.audit())
    db.session.commit()
    return user


def deactivate_user(email: str, by: Actor = NOBODY) -> User:
    """Disable the account with this email; its sessions stop working on their next request."""
    return set_active(get_by_email(email).id, False, by)


def _keep_an_admin(user: User, doing: str) -> None:
    """Refuse to take the last active admin away (their role or their access)."""
    if user.role is not Role.ADMIN or not user.active:
        return
    # Locked, so two admins demoting each other at once cannot both see "another admin left".
    admins = db.session.scalars(
        select(User.id).where(User.role == Role.ADMIN, User.active.is_(True)).with_for_update()
    ).all()
    if len(admins) <= 1:
        db.session.rollback()
        raise LastAdmin(
            f"Cannot {doing} the last active admin: make another account an admin first."
        )
