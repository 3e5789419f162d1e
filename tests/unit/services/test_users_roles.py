"""Roles, deactivation and the last admin; passwords set outside the one-time links."""

import pytest
from sqlalchemy import select

from assessor.extensions import db
from assessor.models import AuditEvent, Role
from assessor.services import staff_roles, users
from assessor.services.passwords import WeakPassword
from assessor.services.staff_roles import LastAdmin
from assessor.services.users import Actor
from tests.factories import make_user


def _events(action):
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_change_role_is_audited_with_both_roles(ctx):
    admin, user = make_user(Role.ADMIN), make_user(Role.INTERVIEWER)
    staff_roles.change_role(user.id, "author", Actor(admin.id, "10.0.0.1"))
    assert user.role is Role.AUTHOR
    (event,) = _events("user.role_change")
    assert (event.actor_id, event.ip, event.target_id) == (admin.id, "10.0.0.1", str(user.id))
    assert event.data == {"old": "interviewer", "new": "author"}


def test_the_last_active_admin_can_neither_be_demoted_nor_deactivated(ctx):
    admin = make_user(Role.ADMIN)
    make_user(Role.ADMIN, active=False)  # a deactivated admin does not count
    with pytest.raises(LastAdmin):
        staff_roles.change_role(admin.id, "interviewer", Actor(admin.id))
    with pytest.raises(LastAdmin):
        staff_roles.set_active(admin.id, False, Actor(admin.id))
    db.session.refresh(admin)
    assert admin.role is Role.ADMIN and admin.active
    assert _events("user.role_change") == [] and _events("user.deactivate") == []


def test_an_admin_may_step_down_while_another_admin_remains(ctx):
    me, other = make_user(Role.ADMIN), make_user(Role.ADMIN)
    staff_roles.change_role(me.id, "interviewer", Actor(me.id))
    assert me.role is Role.INTERVIEWER
    with pytest.raises(LastAdmin):
        staff_roles.set_active(other.id, False, Actor(other.id))


def test_deactivate_and_reactivate_are_audited(ctx):
    user = make_user()
    staff_roles.set_active(user.id, False, Actor(via="cli"))
    staff_roles.set_active(user.id, False, Actor(via="cli"))  # no change, no second entry
    staff_roles.set_active(user.id, True, Actor(via="cli"))
    assert [e.data for e in _events("user.deactivate")] == [{"via": "cli"}]
    assert len(_events("user.reactivate")) == 1 and user.active


def test_a_new_password_changes_the_session_key(ctx):
    user = make_user()
    before = users.session_key(user)
    users.set_password(user.id, "plum kettle orbit seventy", Actor(via="demo"))
    assert users.session_key(user) != before
    assert users.session_key(user).startswith(f"{user.id}:")
    (event,) = _events("user.password_reset")
    assert event.data == {"via": "demo"}


def test_set_password_applies_the_policy(ctx):
    user = make_user()
    with pytest.raises(WeakPassword, match="commonly used"):
        users.set_password(user.id, "Password1234")
