"""The Staff pages: add, invite, change role, deactivate, reset; and the sessions they end."""

import re

import pytest
from sqlalchemy import select

from assessor.extensions import db
from assessor.models import AuditEvent, Role, User
from tests.factories import TEST_PASSWORD, make_user

NEW = "plum kettle orbit seventy"
LINK = re.compile(r'value="http://assessor\.test(/password/[A-Za-z0-9_-]{40,})"')


@pytest.fixture
def admin(ctx, client, auth):
    user = make_user(Role.ADMIN)
    auth.login(user.email)
    return user


def actions():
    return db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()


def user_by(email):
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def test_the_list_shows_every_account_and_its_state(admin, client):
    make_user(Role.AUTHOR, email="gone@example.test", active=False)
    page = client.get("/admin/users").get_data(as_text=True)
    assert admin.email in page and "gone@example.test" in page
    assert "deactivated" in page and "(you)" in page
    assert 'href="/admin/users/new"' in page


def test_create_with_a_password_refuses_a_common_one(admin, client):
    data = {"email": "p@example.test", "name": "Pat", "role": "interviewer", "method": "password"}
    weak = client.post(
        "/admin/users/new", data=data | {"password": "Password1234", "confirm": "Password1234"}
    )
    assert weak.status_code == 400
    assert "commonly used password" in weak.get_data(as_text=True)
    assert user_by("p@example.test") is None
    missing = client.post("/admin/users/new", data=data)
    assert missing.status_code == 400 and "Enter the password" in missing.get_data(as_text=True)
    created = client.post("/admin/users/new", data=data | {"password": NEW, "confirm": NEW})
    assert created.status_code == 302
    assert user_by("p@example.test").check_password(NEW)
    assert actions()[-1] == "user.create"


def test_a_taken_email_is_said_next_to_the_field(admin, client):
    data = {"email": admin.email.upper(), "name": "Twin", "role": "author", "method": "invite"}
    page = client.post("/admin/users/new", data=data)
    assert page.status_code == 400 and "already exists" in page.get_data(as_text=True)


def test_invite_shows_the_link_when_no_email_can_be_sent(admin, client, auth):
    page = client.post(
        "/admin/users/new",
        data={"email": "nia@example.test", "name": "Nia", "role": "author", "method": "invite"},
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "No email was sent" in html
    assert page.headers["Cache-Control"] == "no-store"
    path = LINK.search(html).group(1)
    auth.logout()
    form = client.get(path)
    assert form.status_code == 200 and "nia@example.test" in form.get_data(as_text=True)
    done = client.post(path, data={"password": NEW, "confirm": NEW})
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    assert auth.login("nia@example.test", NEW).status_code == 302
    assert client.get("/").status_code == 200
    assert client.get("/admin/users").status_code == 403  # an author


def test_role_change_and_the_last_admin_rule(admin, client):
    other = make_user(Role.INTERVIEWER)
    assert client.post(f"/admin/users/{other.id}/role", data={"role": "admin"}).status_code == 302
    assert user_by(other.email).role is Role.ADMIN
    client.post(f"/admin/users/{other.id}/deactivate")
    response = client.post(
        f"/admin/users/{admin.id}/role", data={"role": "author"}, follow_redirects=True
    )
    assert "last active admin" in response.get_data(as_text=True)
    assert user_by(admin.email).role is Role.ADMIN
    response = client.post(f"/admin/users/{admin.id}/deactivate", follow_redirects=True)
    assert "last active admin" in response.get_data(as_text=True)
    assert user_by(admin.email).active


def test_an_unknown_role_or_user_is_refused(admin, client):
    other = make_user()
    client.post(f"/admin/users/{other.id}/role", data={"role": "superuser"})
    assert user_by(other.email).role is Role.INTERVIEWER
    assert client.post("/admin/users/9999/deactivate").status_code == 404
    assert client.get("/admin/users/9999").status_code == 404


@pytest.fixture
def two_browsers(app):
    """An admin's browser and the victim's, with no app context held across requests.

    (Flask-Login keeps the current user in `g`, which a test-wide app context would share
    between the two clients.)
    """
    with app.app_context():
        admin, victim = make_user(Role.ADMIN), make_user(Role.INTERVIEWER)
        ids = admin.email, victim.id, victim.email
    ours, theirs = app.test_client(), app.test_client()
    ours.post("/login", data={"email": ids[0], "password": TEST_PASSWORD})
    return ours, theirs, ids[1], ids[2]


def test_deactivating_ends_the_persons_session_at_once(two_browsers):
    ours, theirs, victim_id, email = two_browsers
    theirs.post("/login", data={"email": email, "password": TEST_PASSWORD})
    assert theirs.get("/").status_code == 200
    ours.post(f"/admin/users/{victim_id}/deactivate")
    assert theirs.get("/").status_code == 302
    ours.post(f"/admin/users/{victim_id}/reactivate")
    login = theirs.post("/login", data={"email": email, "password": TEST_PASSWORD})
    assert login.status_code == 302 and theirs.get("/").status_code == 200


def test_a_reset_ends_sessions_opened_with_the_old_password(app, two_browsers):
    ours, theirs, victim_id, email = two_browsers
    # An attacker holding the victim's password, signed in with "remember me".
    theirs.post("/login", data={"email": email, "password": TEST_PASSWORD, "remember": "y"})
    remember = theirs.get_cookie("remember_token")
    assert remember is not None and theirs.get("/").status_code == 200

    page = ours.post(f"/admin/users/{victim_id}/reset-password")
    assert page.status_code == 200 and "no longer works" in page.get_data(as_text=True)
    assert theirs.get("/").status_code == 302, "the session outlived the reset"
    # Nor does the remember-me cookie alone sign anyone in again.
    fresh = app.test_client()
    fresh.set_cookie("remember_token", remember.value)
    assert fresh.get("/").status_code == 302
    login = fresh.post("/login", data={"email": email, "password": TEST_PASSWORD})
    assert login.status_code == 401
    assert ours.get("/admin/users").status_code == 200  # the admin's own session is untouched


def test_remember_me_still_works_until_a_reset(app, two_browsers):
    _, theirs, _, email = two_browsers
    theirs.post("/login", data={"email": email, "password": TEST_PASSWORD, "remember": "y"})
    fresh = app.test_client()
    fresh.set_cookie("remember_token", theirs.get_cookie("remember_token").value)
    assert fresh.get("/").status_code == 200


def test_an_admins_own_session_survives_other_peoples_resets(admin, client):
    other = make_user()
    client.post(f"/admin/users/{other.id}/reset-password")
    assert client.get("/admin/users").status_code == 200


def test_resend_for_an_account_that_has_a_password_is_refused(admin, client):
    other = make_user()
    response = client.post(f"/admin/users/{other.id}/resend", follow_redirects=True)
    assert "Only an active account" in response.get_data(as_text=True)


def test_the_user_page_shows_history_and_emails(admin, client):
    other = make_user()
    client.post(f"/admin/users/{other.id}/reset-password")
    page = client.get(f"/admin/users/{other.id}").get_data(as_text=True)
    assert f"reset the password of {other.name}" in page
    assert "Set a new Assessor password" in page and "[withheld]" in page
    assert "Send a new link" in page  # waiting for a password now


def test_names_are_escaped_on_the_admin_pages(admin, client):
    evil = make_user()
    evil.name = '<img src=x onerror="alert(1)">'
    db.session.commit()
    client.post(f"/admin/users/{evil.id}/role", data={"role": "author"})
    for path in ("/admin/users", f"/admin/users/{evil.id}", "/admin/audit"):
        html = client.get(path).get_data(as_text=True)
        assert "<img src=x" not in html and "&lt;img src=x" in html, path


@pytest.fixture
def csrf_app(app_config):
    app_config["WTF_CSRF_ENABLED"] = True


def test_a_forged_admin_form_is_refused(csrf_app, ctx, client):
    admin = make_user(Role.ADMIN)
    other = make_user()
    login = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login).group(1)
    client.post(
        "/login", data={"email": admin.email, "password": TEST_PASSWORD, "csrf_token": token}
    )
    assert client.post(f"/admin/users/{other.id}/deactivate").status_code == 400
    assert user_by(other.email).active
