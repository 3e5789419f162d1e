"""Staff authentication and the permission check every staff route goes through."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from assessor.models import User
from assessor.services.permissions import Permission, can
from assessor.services.users import active_user


def load_user(user_id: str) -> User | None:
    """Reload the session's user; a deactivated account is logged out at once."""
    return active_user(user_id)


def staff_required(permission: Permission) -> Callable:
    """Require a logged-in staff user holding `permission` (object checks happen in the view)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not can(current_user, permission):
                abort(403, "Your role does not allow this.")
            return view(*args, **kwargs)

        # Lets a test prove that every staff endpoint declares a permission.
        wrapped.staff_permission = permission
        return wrapped

    return decorator


def public(view: Callable) -> Callable:
    """Mark a view as deliberately reachable without a staff login."""
    view.public_endpoint = True
    return view
