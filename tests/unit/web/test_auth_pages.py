"""The set-password page reached from a one-time link, and the way back from the rate limit."""

import pytest

from assessor.models import Role
from assessor.services import password_links
from tests.factories import make_user

NEW = "plum kettle orbit seventy"


@pytest.fixture
def link(app):
    """A fresh invitation's path, created with no app context left pushed."""
    with app.app_context():
        issued = password_links.invite(
            "nia@example.test", "Nia New", "author", link_for=lambda t: f"/password/{t}"
        )
    return issued.url


def test_the_page_names_the_account_and_the_rule(client, link):
    page = client.get(link)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "Welcome, Nia New" in html and "nia@example.test" in html
    assert "At least 12 characters" in html and 'autocomplete="new-password"' in html


def test_a_weak_or_mismatched_password_is_explained_and_the_link_kept(client, link):
    weak = client.post(link, data={"password": "Password1234", "confirm": "Password1234"})
    assert weak.status_code == 400 and "commonly used password" in weak.get_data(as_text=True)
    differ = client.post(link, data={"password": NEW, "confirm": NEW + "!"})
    assert differ.status_code == 400 and "The two passwords differ" in differ.get_data(as_text=True)
    assert client.get(link).status_code == 200


def test_a_used_link_says_so_and_offers_the_sign_in_page(client, auth, link):
    done = client.post(link, data={"password": NEW, "confirm": NEW}, follow_redirects=True)
    assert "Your password is set" in done.get_data(as_text=True)
    again = client.get(link)
    html = again.get_data(as_text=True)
    assert again.status_code == 404 and "already used" in html and 'href="/login"' in html
    assert client.post(link, data={"password": "x" * 20, "confirm": "x" * 20}).status_code == 404
    assert auth.login("nia@example.test", NEW).status_code == 302


def test_setting_a_password_signs_out_whoever_used_this_browser(app, client, auth, link):
    with app.app_context():
        other = make_user(Role.ADMIN).email
    auth.login(other)
    assert client.get("/").status_code == 200
    client.post(link, data={"password": NEW, "confirm": NEW})
    assert client.get("/").status_code == 302


def test_a_forged_link_is_a_plain_not_found(client):
    page = client.get("/password/" + "A" * 43)
    assert page.status_code == 404 and "does not work" in page.get_data(as_text=True)


def test_the_login_page_says_how_to_get_a_new_password(client):
    assert "Ask an administrator" in client.get("/login").get_data(as_text=True)


@pytest.fixture
def limited(app_config):
    app_config["RATELIMIT_ENABLED"] = True


def test_the_sign_in_rate_limit_page_has_a_way_back(limited, client):
    for _ in range(10):
        client.post("/login", data={"email": "x@example.test", "password": "wrong wrong wrong"})
    page = client.post("/login", data={"email": "x@example.test", "password": "wrong again"})
    html = page.get_data(as_text=True)
    assert page.status_code == 429
    assert "Too many sign-in attempts" in html and "Wait a minute" in html
    assert 'href="/login' in html and "Back to sign in" in html


def test_the_set_password_page_is_rate_limited(limited, client, link):
    statuses = [
        client.post(link, data={"password": "short", "confirm": "short"}).status_code
        for _ in range(11)
    ]
    assert statuses[:10] == [400] * 10 and statuses[10] == 429


def test_a_too_large_staff_post_says_the_limit(app, client, auth):
    with app.app_context():
        email = make_user(Role.ADMIN).email
    auth.login(email)
    page = client.post("/admin/users/new", data={"name": "x" * (5 * 1024 * 1024)})
    html = page.get_data(as_text=True)
    assert page.status_code == 413 and "4.0 MB" in html and "capacity limit" not in html
    assert 'href="/"' in html  # a way on
