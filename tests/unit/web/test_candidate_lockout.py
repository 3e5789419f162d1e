"""Finding 2: bad links from a shared address must not lock a candidate out of their work."""

import pytest

from assessor.services import attempts
from tests.factories import make_assessment, make_attempt, make_version

from .candidates import enter

TOKEN = "lockout-token-" + "l" * 30
MISSES = 25  # more than the 20 a minute one address may try


@pytest.fixture
def app_config(app_config):
    app_config["RATELIMIT_ENABLED"] = True
    return app_config


@pytest.fixture
def started(ctx):
    version = make_version(meta={"editable": ["solution.py"]})
    attempt = make_attempt(make_assessment(versions=[version]), token=TOKEN)
    attempts.start(attempt.id)
    return attempt


def miss(client, n: int, **headers) -> int:
    return client.get(f"/a/wrong-{n}", headers=headers).status_code


def test_a_flood_of_bad_links_leaves_the_candidates_saves_and_submit_alone(client, started):
    base = enter(client, TOKEN)
    item = started.assessment.items[0].id
    statuses = [miss(client, n) for n in range(MISSES)]
    assert statuses[:20] == [404] * 20 and set(statuses[20:]) == {429}  # the scanner is stopped
    for revision in range(3):
        saved = client.post(
            f"{base}/api/items/{item}/draft",
            json={"files": {"solution.py": f"v{revision}"}, "revision": revision},
        )
        assert saved.status_code == 200
    assert client.get(f"{base}/api/time").status_code == 200
    assert client.get(f"{base}/api/status").status_code == 200
    assert client.get(f"{base}/work").status_code == 200
    run = client.post(f"{base}/api/items/{item}/runs", json={"files": {"solution.py": "v2"}})
    assert run.status_code == 202
    assert client.get(f"{base}/api/runs/{run.get_json()['id']}").status_code == 200
    assert client.post(f"{base}/api/items/{item}/submit").status_code == 200
    assert client.post(f"{base}/api/submit").status_code == 200
    # Opening the link again from this browser, which holds its grant, still works too.
    assert client.get(f"/a/{TOKEN}").status_code == 303


def test_a_new_browser_behind_the_flooded_address_waits_for_the_minute(app, client, started):
    # Documented: the budget is per address, so a link first opened from an address that is
    # scanning waits out the minute; it never reveals whether the link is valid meanwhile.
    for n in range(MISSES):
        miss(client, n)
    assert app.test_client().get(f"/a/{TOKEN}").status_code == 429


def test_a_strangers_requests_never_use_up_a_candidates_budget(app, client, started):
    base = enter(client, TOKEN)
    stranger = app.test_client()  # the same address, no grant: guessing attempt ids
    answers = {stranger.get(f"{base}/api/time").status_code for _ in range(70)}
    assert answers == {404, 429}  # throttled per address once past the route's 60 a minute
    assert client.get(f"{base}/api/time").status_code == 200


@pytest.mark.parametrize("trusted", [0, 1])
def test_a_forged_forwarded_address_counts_only_behind_a_trusted_proxy(
    app_config, trusted, request
):
    app_config["TRUSTED_PROXIES"] = trusted
    app = request.getfixturevalue("app")
    client = app.test_client()
    first = [miss(client, n, **{"X-Forwarded-For": f"10.0.0.{n}"}) for n in range(20)]
    assert first == [404] * 20
    # Without a trusted proxy the header is ignored: a scanner cannot reset its budget with it.
    another = miss(client, 99, **{"X-Forwarded-For": "10.9.9.9"})
    assert another == (404 if trusted else 429)


def test_behind_a_trusted_proxy_two_clients_are_counted_apart(app_config, request):
    app_config["TRUSTED_PROXIES"] = 1
    app = request.getfixturevalue("app")
    client = app.test_client()
    flooded = [miss(client, n, **{"X-Forwarded-For": "10.0.0.1"}) for n in range(MISSES)]
    assert flooded[:20] == [404] * 20 and set(flooded[20:]) == {429}
    assert miss(client, 0, **{"X-Forwarded-For": "10.0.0.2"}) == 404
    # The proxy's own address (the socket's) is not the one counted.
    assert miss(client, 1, **{"X-Forwarded-For": "10.0.0.1"}) == 429
