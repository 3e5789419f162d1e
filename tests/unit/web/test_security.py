import pytest

from tests.factories import make_user


@pytest.fixture
def app_config(app_config):
    app_config["WTF_CSRF_ENABLED"] = True
    app_config["RATELIMIT_ENABLED"] = True
    return app_config


def _csrf(client, path="/login") -> str:
    import re

    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def test_login_without_csrf_token_is_refused(ctx, client):
    user = make_user()
    response = client.post(
        "/login", data={"email": user.email, "password": "correct horse battery staple"}
    )
    assert response.status_code == 400
    assert client.get("/").status_code == 302


def test_login_with_forged_csrf_token_is_refused(ctx, client):
    user = make_user()
    _csrf(client)
    response = client.post(
        "/login",
        data={
            "email": user.email,
            "csrf_token": "forged",
            "password": "correct horse battery staple",
        },
    )
    assert response.status_code == 400


def test_login_with_csrf_token_works(ctx, client):
    user = make_user()
    token = _csrf(client)
    response = client.post(
        "/login",
        data={"email": user.email, "csrf_token": token, "password": "correct horse battery staple"},
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200


def test_logout_needs_csrf_token(ctx, client):
    user = make_user()
    token = _csrf(client)
    client.post(
        "/login",
        data={"email": user.email, "csrf_token": token, "password": "correct horse battery staple"},
    )
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200


def test_login_is_rate_limited(ctx, client):
    token = _csrf(client)
    statuses = [
        client.post(
            "/login",
            data={"email": "x@example.test", "password": "nope nope nope", "csrf_token": token},
        ).status_code
        for _ in range(12)
    ]
    assert statuses[:10] == [401] * 10
    assert statuses[10:] == [429, 429]
