"""Hostile inputs answer 4xx, never 500: huge ids, deeply nested JSON, concurrent finals."""

from __future__ import annotations

import contextlib
import re
import threading

import pytest
from sqlalchemy import func, select

from assessor.extensions import db
from assessor.models import AttemptEvent, Role, Submission, SubmissionKind
from assessor.services import attempts, finalization
from tests.conftest import postgres_url
from tests.factories import make_assessment, make_attempt, make_user, make_version

from .candidates import enter

TOKEN = "robust-token-" + "r" * 30
HUGE = 10**20  # past any database integer: SQLite raised OverflowError binding it


@pytest.fixture(
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def app_config(request, app_config):
    """Run each test on SQLite and on PostgreSQL."""
    if request.param == "postgres":
        app_config["SQLALCHEMY_DATABASE_URI"] = postgres_url()
    elif app_config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("the SQLite variant runs in the SQLite pass")
    return app_config


@pytest.fixture
def attempt(ctx):
    code = make_version(
        files={"starter": {"a.py": "x = 1\n"}, "tests": {"public/test_a.py": "def test(): pass\n"}},
        meta={"editable": ["a.py"]},
    )
    design = make_version(
        kind="design",
        files={"starter": {"answer.md": "# Answer\n"}, "tests": {}},
        meta={"editable": ["answer.md"]},
        manifest=[],
    )
    db.session.commit()
    attempt = make_attempt(make_assessment(versions=[code, design]), token=TOKEN)
    attempts.start(attempt.id)
    return attempt


def _int_routes(app):
    for rule in app.url_map.iter_rules():
        ints = [name for name, conv in rule._converters.items() if conv.regex == r"\d+"]
        if ints:
            yield rule, ints


def _arg(name: str, ints: list[str]) -> str:
    return str(HUGE) if name in ints else "x"


def test_every_int_route_answers_404_to_an_id_past_any_column(app, client, attempt, auth):
    admin = make_user(Role.ADMIN)
    auth.login(admin.email)
    enter(client, TOKEN)
    routes = list(_int_routes(app))
    assert len(routes) > 30  # the sweep sees the whole app, not a few routes
    for rule, ints in routes:
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m, ints=ints: _arg(m[1], ints), rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = client.open(path, method=method, json={})
            assert response.status_code == 404, (method, rule.rule, response.status_code)


def test_the_int_converter_still_takes_ordinary_ids(client, attempt):
    base = enter(client, TOKEN)
    assert base == f"/c/{attempt.id}"
    assert client.get(base).status_code < 400
    assert client.get(f"/c/{2**63 - 1}").status_code in (403, 404)


def _nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_deeply_nested_json_is_a_400_with_a_json_error(client, attempt, depth):
    base = enter(client, TOKEN)
    item_id = attempt.assessment.items[0].id
    for path in (f"{base}/api/items/{item_id}/draft", f"{base}/api/events", f"{base}/api/preview"):
        response = client.post(path, data=_nested(depth), content_type="application/json")
        assert response.status_code == 400, (path, response.status_code)
        assert response.get_json()["error"]


def test_deeply_nested_json_on_a_staff_form_is_a_400(client, attempt, auth):
    auth.login(make_user(Role.ADMIN).email)
    response = client.post(
        "/assessments/new", data=_nested(100_000), content_type="application/json"
    )
    assert response.status_code == 400
    assert response.get_json()["error"] == "The body is not valid JSON: The JSON nests too deeply."


def test_the_json_provider_still_parses_ordinary_bodies(app):
    assert app.json.loads('{"a": [1, {"b": null}]}') == {"a": [1, {"b": None}]}
    with pytest.raises(ValueError, match="The JSON nests too deeply"):
        app.json.loads(_nested(100_000))


def _race(app, client_count: int, request) -> list:
    """Send `request(client)` from several clients at once; return their responses."""
    clients = [app.test_client() for _ in range(client_count)]
    bases = [enter(c, TOKEN) for c in clients]
    barrier = threading.Barrier(client_count)
    responses: list = [None] * client_count

    def send(i: int) -> None:
        barrier.wait(timeout=30)
        try:
            responses[i] = request(clients[i], bases[i])
        except Exception as exc:  # the test client re-raises what would have been a 500
            responses[i] = exc

    threads = [threading.Thread(target=send, args=(i,)) for i in range(client_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return responses


@pytest.fixture
def both_in_the_service(monkeypatch):
    """Hold every request at the attempt's load until all of them got there."""
    parties = 4
    barrier = threading.Barrier(parties)
    load = finalization.load_attempt

    def load_together(*args, **kwargs):
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait(timeout=5)
        return load(*args, **kwargs)

    monkeypatch.setattr(finalization, "load_attempt", load_together)
    return parties


def _count(model, *where) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_concurrent_finish_writes_one_finish_event_and_one_final_per_item(
    app, attempt, both_in_the_service
):
    responses = _race(app, both_in_the_service, lambda c, base: c.post(f"{base}/api/submit"))
    assert [getattr(r, "status_code", r) for r in responses] == [200] * both_in_the_service
    assert _count(AttemptEvent, AttemptEvent.kind == "finish") == 1
    finals = Submission.kind == SubmissionKind.FINAL
    assert _count(Submission, finals) == len(attempt.assessment.items)


def test_concurrent_final_submits_of_one_item_give_one_submission(
    app, attempt, both_in_the_service
):
    item_id = attempt.assessment.items[1].id
    responses = _race(
        app,
        both_in_the_service,
        lambda c, base: c.post(f"{base}/api/items/{item_id}/submit", json={}),
    )
    assert [getattr(r, "status_code", r) for r in responses] == [200] * both_in_the_service
    ids = {r.get_json()["final"]["id"] for r in responses}
    assert len(ids) == 1
    assert _count(Submission, Submission.kind == SubmissionKind.FINAL) == 1
    assert _count(AttemptEvent, AttemptEvent.kind == "submit_item") == 1
