import re

from sqlalchemy import select, update

from assessor.extensions import db
from assessor.models import AuditEvent, Role, User
from tests.conftest import AuthActions
from tests.factories import make_user


def test_home_requires_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_login_and_logout(ctx, client, auth):
    user = make_user(Role.INTERVIEWER)
    response = auth.login(user.email)
    assert response.status_code == 302
    page = client.get("/")
    assert page.status_code == 200
    assert user.name.encode() in page.data
    auth.logout()
    assert client.get("/").status_code == 302


def test_wrong_password_is_refused_without_saying_which_part(ctx, client, auth):
    user = make_user()
    response = auth.login(user.email, "wrong password!!")
    assert response.status_code == 401
    assert b"Wrong email or password" in response.data
    assert client.get("/").status_code == 302


def test_deactivated_user_is_logged_out_on_next_request(ctx, client, auth):
    user = make_user()
    auth.login(user.email)
    assert client.get("/").status_code == 200
    user.active = False
    db.session.commit()
    assert client.get("/").status_code == 302


def test_next_parameter_cannot_redirect_off_site(ctx, client):
    user = make_user()
    response = client.post(
        "/login?next=https://evil.example/",
        data={"email": user.email, "password": "correct horse battery staple"},
    )
    assert response.headers["Location"] == "/"
    client.post("/logout")
    response = client.post(
        "/login?next=//evil.example/x",
        data={"email": user.email, "password": "correct horse battery staple"},
    )
    assert response.headers["Location"] == "/"


def test_login_is_audited(ctx, auth):
    user = make_user()
    auth.login(user.email)
    auth.logout()
    auth.login("ghost@example.test", "whatever password")
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["auth.login", "auth.logout", "auth.login_failed"]


def test_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_pages_carry_no_inline_script(client):
    html = client.get("/login").get_data(as_text=True)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert " on" + "click=" not in html


def _session_cookie(client) -> str:
    return client.get_cookie("session").value


def _user(app, **changes) -> str:
    # Outside the test's own app context: each request then loads the user afresh, as in
    # production (an outer context would share flask.g, and its cached user, across requests).
    with app.app_context():
        user = make_user(Role.INTERVIEWER)
        for key, value in changes.items():
            setattr(user, key, value)
        db.session.commit()
        return user.email


def test_a_cookie_saved_before_sign_out_is_dead_after_it(app):
    email = _user(app)
    browser = app.test_client()
    AuthActions(browser).login(email)
    saved = _session_cookie(browser)
    thief = app.test_client()
    thief.set_cookie("session", saved)
    assert thief.get("/").status_code == 200  # a copy works while the session lives
    AuthActions(browser).logout()
    replay = app.test_client()
    replay.set_cookie("session", saved)
    response = replay.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert thief.get("/").status_code == 302  # the other copy ended too


def test_deactivation_ends_a_live_session(app):
    email = _user(app)
    browser = app.test_client()
    AuthActions(browser).login(email)
    assert browser.get("/").status_code == 200
    with app.app_context():
        db.session.execute(update(User).where(User.email == email).values(active=False))
        db.session.commit()
    assert browser.get("/").status_code == 302
