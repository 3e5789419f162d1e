"""The invitation link is exchanged for a session grant: attacks on the grant and the lockout."""

import re

import pytest
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import select

from assessor.extensions import db
from assessor.models import Draft
from assessor.services import attempts
from assessor.services.invitations import issue_token
from assessor.web.grants import MAX_GRANTS, SESSION_KEY
from tests.factories import make_assessment, make_attempt, make_user, make_version

from .candidates import enter

TOKEN = "grant-token-" + "g" * 32
OTHER = "grant-other-" + "o" * 32


@pytest.fixture
def pair(ctx):
    version = make_version(meta={"editable": ["solution.py"]})
    assessment = make_assessment(versions=[version])
    mine, other = make_attempt(assessment, token=TOKEN), make_attempt(assessment, token=OTHER)
    attempts.start(mine.id)
    attempts.start(other.id)
    return mine, other


def candidate_paths(app, attempt) -> list[tuple[str, str]]:
    """Every (method, path) of the candidate's token-less pages and API for this attempt."""
    values = {"attempt_id": attempt.id, "item_id": attempt.assessment.items[0].id, "run_id": 1}
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("candidate.") and "attempt_id" in rule.arguments:
            path = rule.build({k: values[k] for k in rule.arguments})[1]
            found += [(m, path) for m in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return found


def page(client, path: str) -> str:
    """Return a page's text without what varies per request (CSP nonces)."""
    return re.sub(r'(nonce|content)="[^"]*"', "", client.get(path).get_data(as_text=True))


def test_without_a_grant_every_candidate_page_is_not_found(app, client, pair):
    mine, _ = pair
    paths = candidate_paths(app, mine)
    assert len(paths) >= 14  # the probe finds the pages and the API
    for method, path in paths:
        response = client.open(path, method=method, json={})
        assert response.status_code == 404, (method, path, response.status_code)


def test_a_grant_for_another_attempt_opens_nothing_of_this_one(app, client, pair):
    mine, _ = pair
    enter(client, OTHER)
    for method, path in candidate_paths(app, mine):
        response = client.open(path, method=method, json={})
        assert response.status_code == 404, (method, path, response.status_code)
    # The same answer as for an attempt that does not exist: ids reveal nothing.
    assert page(client, f"/c/{mine.id}") == page(client, "/c/987654")


def test_a_made_up_proof_in_the_session_opens_nothing(client, pair):
    mine, _ = pair
    with client.session_transaction() as session:
        session[SESSION_KEY] = [[mine.id, "0" * 64]]
    assert client.get(f"/c/{mine.id}/api/workspace").status_code == 404


def test_a_session_signed_with_another_key_opens_nothing(app, client, pair):
    mine, _ = pair
    enter(client, TOKEN)
    assert client.get(f"/c/{mine.id}/api/time").status_code == 200
    forger = app.test_client()
    app.secret_key = "another-secret-" + "z" * 32
    with forger.session_transaction() as session:
        session[SESSION_KEY] = [[mine.id, "0" * 64]]
    forged = forger.get_cookie("session").value
    app.secret_key = app.config["SECRET_KEY"]
    intruder = app.test_client()
    intruder.set_cookie("session", forged)
    assert intruder.get(f"/c/{mine.id}/api/time").status_code == 404


def test_a_re_issued_link_ends_the_old_grant_and_the_new_link_works(client, app, pair):
    mine, _ = pair
    base = enter(client, TOKEN)
    token = issue_token(mine)
    db.session.commit()
    assert client.get(f"{base}/api/time").status_code == 404
    assert client.get(f"/a/{TOKEN}").status_code == 404
    assert enter(client, token) == base
    assert client.get(f"{base}/api/time").status_code == 200


def test_the_session_holds_neither_the_token_nor_its_hash(app, client, pair):
    mine, _ = pair
    response = client.get(f"/a/{TOKEN}")
    assert TOKEN not in response.headers["Location"]
    cookie = client.get_cookie("session").value
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    stored = str(serializer.loads(cookie))
    assert TOKEN not in cookie and TOKEN not in stored
    assert mine.token_hash not in cookie and mine.token_hash not in stored
    assert "HttpOnly" in response.headers["Set-Cookie"]
    assert "SameSite=Lax" in response.headers["Set-Cookie"]


def test_several_grants_live_side_by_side_and_the_oldest_goes_first(client, pair):
    mine, _ = pair
    base_mine, base_other = enter(client, TOKEN), enter(client, OTHER)
    assert client.get(f"{base_mine}/api/time").status_code == 200
    assert client.get(f"{base_other}/api/time").status_code == 200
    for n in range(MAX_GRANTS - 1):
        token = f"more-{n}-" + "m" * 30
        make_attempt(mine.assessment, token=token)
        enter(client, token)
    assert client.get(f"{base_mine}/api/time").status_code == 404  # the oldest, dropped
    assert client.get(f"{base_other}/api/time").status_code == 200
    assert len(client.get_cookie("session").value) < 3000  # far below what browsers keep
    assert enter(client, TOKEN) == base_mine  # the link always lets the candidate back in


def test_staff_signing_in_and_out_in_the_same_browser_keeps_the_grant(client, auth, pair):
    mine, _ = pair
    base = enter(client, TOKEN)
    auth.login(make_user().email)
    assert client.get("/").status_code == 200
    assert client.get(f"{base}/api/time").status_code == 200
    auth.logout()
    assert client.get(f"{base}/api/time").status_code == 200
    saved = client.post(
        f"{base}/api/items/{mine.assessment.items[0].id}/draft",
        json={"files": {"solution.py": "kept"}, "revision": 0},
    )
    assert saved.status_code == 200
    assert db.session.scalar(select(Draft.files)) == {"solution.py": "kept"}
