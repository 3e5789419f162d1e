"""Syncing the library from the catalog: a worker's job, recorded run by run, followed live."""

from datetime import timedelta

import pytest
from sqlalchemy import select

import sandbox
from assessor.extensions import db
from assessor.models import AuditEvent, Challenge, Role
from assessor.services import library_sync
from tests.factories import make_user
from tests.unit.services.conftest import FIXTURES


@pytest.fixture
def app_config(app_config):
    app_config["QUEUE_IMMEDIATE"] = True  # the worker's task runs inline, inside the request
    app_config["CHALLENGES_DIR"] = str(FIXTURES)
    return app_config


@pytest.fixture
def author(ctx, auth):
    user = make_user(Role.AUTHOR)
    auth.login(user.email)
    return user


def _run_id(response) -> int:
    return int(response.headers["Location"].rstrip("/").rsplit("/", 1)[1])


def test_sync_library_runs_the_sync_and_shows_its_report(client, author):
    response = client.post("/catalog/sync")
    assert response.status_code == 302 and "/catalog/sync/" in response.headers["Location"]
    run = library_sync.get_run(_run_id(response))
    assert run.state == "finished" and run.source == "web" and run.actor_id == author.id
    assert {(r.slug, r.action) for r in run.results} == {
        ("mini-adder", "created"),
        ("mini-design", "created"),
        ("mini-http-api", "created"),
        ("mini-service", "created"),
    }
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "4 new challenge" in page and "Sync again" in page
    status = client.get(f"/catalog/sync/{run.id}/status").get_json()
    assert status["state"] == "finished" and status["done"] == status["total"] == 4
    assert {c.slug for c in db.session.scalars(select(Challenge))} == {
        "mini-adder",
        "mini-design",
        "mini-http-api",
        "mini-service",
    }
    # The new versions are recorded as the author's, and the run in the audit log.
    synced = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "challenge.sync"))
    assert {e.actor_id for e in synced} == {author.id}
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.target_type == "librarysync")
    ).all()
    assert actions[0] == "library.sync.request" and actions[-1] == "library.sync.finish"


def test_the_catalog_shows_the_last_sync_and_its_errors(client, author, app, tmp_path):
    import shutil

    library = tmp_path / "library"
    shutil.copytree(FIXTURES, library)
    (library / "mini-adder" / "challenge.yaml").write_text("title: [unclosed\n")
    app.config["CHALLENGES_DIR"] = str(library)
    run_id = _run_id(client.post("/catalog/sync"))
    html = client.get("/catalog/").get_data(as_text=True)
    assert f'href="/catalog/sync/{run_id}"' in html
    assert "1 folder could not be synced" in html and "invalid folder" in html
    assert "malformed YAML" in client.get(f"/catalog/sync/{run_id}").get_data(as_text=True)


def test_a_second_request_joins_the_sync_under_way(client, author):
    waiting = library_sync._open(author.id, None, "web")  # queued: no worker took it yet
    response = client.post("/catalog/sync", follow_redirects=False)
    assert _run_id(response) == waiting
    page = client.get(f"/catalog/sync/{waiting}").get_data(as_text=True)
    assert "Waiting for a worker" in page and 'http-equiv="refresh"' in page


def test_a_stalled_run_says_so_and_blocks_nothing(client, author):
    lost = library_sync._open(author.id, None, "web")
    for event in db.session.scalars(select(AuditEvent).where(AuditEvent.target_id == str(lost))):
        event.at -= library_sync.STALL_AFTER + timedelta(minutes=1)
    db.session.commit()
    assert library_sync.get_run(lost).state == "stalled"
    assert "probably stopped" in client.get(f"/catalog/sync/{lost}").get_data(as_text=True)
    fresh = _run_id(client.post("/catalog/sync"))
    assert fresh != lost and library_sync.get_run(fresh).state == "finished"


def test_a_failing_reference_is_a_folder_error(client, author, app):
    app.extensions["assessor.queue"]._backend = sandbox.FakeBackend(
        script=lambda job: sandbox.Result.infrastructure_error("engine down")
    )
    run = library_sync.get_run(_run_id(client.post("/catalog/sync")))
    assert run.state == "finished"
    assert {r.slug: r.action for r in run.errors} == {
        "mini-adder": "reference_failed",
        "mini-http-api": "reference_failed",
        "mini-service": "reference_failed",
    }


def test_a_crashing_sync_is_recorded_as_failed(client, author, monkeypatch):
    from assessor.services import catalog

    def crash(*args, **kwargs):
        raise RuntimeError("the disk went away")

    monkeypatch.setattr(catalog, "sync_folder", crash)
    run = library_sync.get_run(_run_id(client.post("/catalog/sync")))
    assert run.state == "failed" and "the disk went away" in run.error
    page = client.get(f"/catalog/sync/{run.id}").get_data(as_text=True)
    assert "the disk went away" in page and "Sync again" in page
    assert not library_sync.active_run()


def test_a_run_is_never_executed_twice(ctx, author):
    run_id = library_sync._open(author.id, None, "web")
    backend = sandbox.FakeBackend()
    first = library_sync.execute(run_id, FIXTURES, backend, "unused")
    again = library_sync.execute(run_id, FIXTURES, backend, "unused")
    assert len(first) == 4 and again == []


def test_the_cli_sync_is_recorded_and_shown(ctx, runner, client, author):
    result = runner.invoke(args=["challenges", "sync", "--no-retire", str(FIXTURES)])
    assert result.exit_code == 0, result.output
    [run] = library_sync.recent_runs()
    assert run.source == "cli" and run.state == "finished" and run.requested_by is None
    html = client.get("/catalog/sync").get_data(as_text=True)
    assert "command line" in html


def test_the_cli_refuses_beside_a_running_sync(ctx, runner, author):
    run = library_sync._open(author.id, None, "web")
    library_sync._append(library_sync.START, library_sync.get_run(run), {"folders": ["x"]})
    result = runner.invoke(args=["challenges", "sync", str(FIXTURES)])
    assert result.exit_code != 0 and f"#{run} is already under way" in result.output


def test_interviewers_cannot_sync(client, auth, ctx):
    auth.login(make_user(Role.INTERVIEWER).email)
    assert client.post("/catalog/sync").status_code == 403
    assert "Sync library" not in client.get("/catalog/").get_data(as_text=True)
    assert library_sync.recent_runs() == []
