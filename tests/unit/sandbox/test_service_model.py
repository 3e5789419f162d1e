"""Service runs without an engine: the value objects, the wire, the specs, the verdict, the fake."""

from __future__ import annotations

import json
import math
import socket
import textwrap

import pytest

import sandbox
from sandbox.container import LABEL_ROLE, create_kwargs, store_kwargs
from sandbox.harness.frame import encode_record
from sandbox.model import cap_text
from sandbox.verdict import CandidateObservation, Observation, build_result
from sandbox.wire import agent_request, request_line

TESTS = {"hidden/test_api.py": "def test_up():\n    pass\n"}
NONCE = "ab" * 16


def service(**fields) -> sandbox.Service:
    return sandbox.Service(**{"language": "go", "start": "/tmp/work/app", "port": 8080, **fields})


def service_job(**fields) -> sandbox.Job:
    files = {
        "go.mod": "module app\n",
        "main.go": "package main\n",
        "src/Main.java": "class Main {}",
    }
    return sandbox.Job(
        files=files,
        tests=TESTS,
        expected=("hidden/test_api.py::test_up",),
        service=service(**fields),
    )


def test_a_service_job_takes_any_text_files_and_still_needs_python_tests():
    job = service_job(build="go build -o /tmp/work/app .", ready="/health")
    assert set(job.files) == {"go.mod", "main.go", "src/Main.java"}
    with pytest.raises(sandbox.InvalidJob, match="no Python file"):
        sandbox.Job(files={"main.go": ""}, tests={"t.go": ""}, service=service())
    with pytest.raises(sandbox.InvalidJob, match=r"sandbox\.Service"):
        sandbox.Job(files={}, tests=TESTS, service={"language": "go"})
    assert sandbox.Job(files={}, tests=TESTS).service is None


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"port": 80}, "1024, 65535"),
        ({"port": 70000}, "1024, 65535"),
        ({"port": 5432}, "not 5432"),
        ({"port": 6379}, "not 5432"),
        ({"port": True}, "integer"),
        ({"port": "8080"}, "integer"),
        ({"language": "Go"}, "plain lower-case"),
        ({"language": "../go"}, "plain lower-case"),
        ({"language": ""}, "plain lower-case"),
        ({"start": "  "}, "must not be empty"),
        ({"start": 3}, "must be a string"),
        ({"build": "make\x00"}, "NUL"),
        ({"ready": "health"}, "path like"),
        ({"ready": "/a b"}, "path like"),
        ({"ready": "/\r\nX-Evil: 1"}, "path like"),
        ({"startup_s": 0.5}, "outside"),
        ({"startup_s": 901}, "outside"),
        ({"startup_s": math.nan}, "outside"),
        ({"startup_s": True}, "number"),
        ({"datastores": (sandbox.Datastore("redis"), sandbox.Datastore("redis"))}, "at most one"),
        ({"datastores": ({"kind": "redis"},)}, "Datastore"),
    ],
)
def test_a_bad_service_is_refused(fields, words):
    with pytest.raises(sandbox.InvalidJob, match=words):
        service(**fields)


def test_a_bad_datastore_is_refused():
    with pytest.raises(sandbox.InvalidJob, match="not one of"):
        sandbox.Datastore("mysql")
    with pytest.raises(sandbox.InvalidJob, match="text"):
        sandbox.Datastore("postgres", seed=b"CREATE TABLE t ()")


def test_a_service_round_trips_through_json_and_refuses_unknown_keys():
    stores = (sandbox.Datastore("postgres", "CREATE TABLE t ();"), sandbox.Datastore("redis"))
    original = service(build="go build .", ready="/health", startup_s=90, datastores=stores)
    again = sandbox.Service.from_dict(json.loads(json.dumps(original.to_dict())))
    assert again == original and isinstance(again.datastores, tuple)
    with pytest.raises(sandbox.InvalidJob, match="unknown service keys: image"):
        sandbox.Service.from_dict({**original.to_dict(), "image": "x"})
    with pytest.raises(sandbox.InvalidJob, match="unknown datastore keys: port"):
        sandbox.Datastore.from_dict({"kind": "redis", "port": 1})


def test_the_service_gets_the_addresses_of_its_datastores_only():
    assert service().environment() == {"PORT": "8080"}
    both = service(datastores=(sandbox.Datastore("postgres"), sandbox.Datastore("redis")))
    assert both.environment() == {
        "PORT": "8080",
        "DATABASE_URL": "postgresql://app@127.0.0.1:5432/app",
        "PGHOST": "127.0.0.1",
        "PGPORT": "5432",
        "PGUSER": "app",
        "PGDATABASE": "app",
        "REDIS_URL": "redis://127.0.0.1:6379/0",
    }


def test_the_tester_gets_how_to_reach_the_service_the_agent_how_to_run_it():
    seed = "INSERT INTO secret VALUES ('only the tests know');"
    job = service_job(
        build="go build .", ready="/health", datastores=(sandbox.Datastore("postgres", seed),)
    )
    tester = json.loads(request_line(job, NONCE, agent="bridge-1"))
    agent = json.loads(agent_request(job, agent="bridge-1"))
    assert tester["job"]["modules"] == []  # nothing of the candidate is imported
    assert tester["options"]["service"] == {"port": 8080, "ready": "/health", "startup_s": 60.0}
    assert "files" not in tester and "main.go" not in json.dumps(tester)
    assert agent["options"]["service"] == {
        "build": "go build .",
        "start": "/tmp/work/app",
        "port": 8080,
        "env": job.service.environment(),
    }
    for secret in ("test_up", NONCE, "only the tests know"):
        assert secret not in json.dumps(agent)


def test_a_service_container_may_execute_from_its_scratch_space_and_keeps_its_images_path():
    limits = sandbox.Limits(scratch_mb=16)
    candidate = create_kwargs("assessor-sandbox-go:latest", limits, {}, service=True)
    tester = create_kwargs("img:1", limits, {}, join="c0ffee", service=True)
    assert candidate["host_config"]["tmpfs"] == {"/tmp": "rw,exec,nosuid,nodev,size=16m,mode=1777"}
    assert "PATH" not in candidate["environment"]
    assert "noexec" in tester["host_config"]["tmpfs"]["/tmp"]  # the tester never runs a build
    assert "PATH" in tester["environment"]


def test_a_datastore_container_is_hardened_and_joins_the_run():
    spec = store_kwargs("assessor-store-postgres:latest", "postgres", {"a": "b"}, join="c0ffee")
    host = spec["host_config"]
    assert host["network_mode"] == "container:c0ffee"
    assert host["read_only"] is True and host["cap_drop"] == ["ALL"]
    assert host["security_opt"] == ["no-new-privileges"]
    assert "noexec" in host["tmpfs"]["/tmp"]
    assert host["pids_limit"] > 0 and host["mem_limit"] == host["memswap_limit"]
    assert spec["user"] == "10001:10001" and "command" not in spec
    assert spec["labels"] == {"a": "b", LABEL_ROLE: "store-postgres"} and spec["stdin_open"]


def test_cap_text_may_keep_both_ends():
    text = "B" * 50 + "-" * 1000 + "T" * 50
    capped = cap_text(text, 200, keep="both")
    assert len(capped) <= 200 and capped.startswith("B" * 50) and capped.endswith("T" * 50)
    assert "characters cut" in capped


def not_ready(job: sandbox.Job, reason: str, **candidate) -> sandbox.Result:
    payload = {"version": 2, "tests": [], "service": {"ready": False, "waited_s": 1.5}}
    payload["service"]["reason"] = reason
    seen = Observation(
        stdout=encode_record(NONCE, payload),
        stderr=b"",
        duration_s=2.0,
        candidate=CandidateObservation(**candidate),
    )
    return build_result(job, NONCE, seen)


def test_a_service_that_never_answered_failed_and_its_log_keeps_both_ends():
    log = b"== build: go build .\n" + b"x" * 50_000 + b"\n== build exited with 1\n"
    result = not_ready(
        service_job(build="go build ."),
        "the candidate's container ended (exit code 1)",
        output=log,
        exit_code=1,
    )
    assert result.status is sandbox.RunStatus.SERVICE_FAILED
    assert "did not answer GET / on port 8080 within 60 s" in result.detail
    assert "the build failed with exit code 1" in result.detail
    assert "stopped waiting after 1.5 s" in result.detail
    assert result.candidate_tail.startswith("== build: go build .")
    assert result.candidate_tail.endswith("== build exited with 1\n")
    assert [t.outcome for t in result.tests] == [sandbox.Outcome.FAILED]


def test_the_reason_comes_from_the_engine_then_the_tester():
    exited = not_ready(
        service_job(), "x", output=b"== start: a\n== service exited with 3\n", exit_code=3
    )
    assert "(it exited with code 3)" in exited.detail
    silent = not_ready(service_job(), "nothing listened on port 8080", output=b"== start: a\n")
    assert "(nothing listened on port 8080)" in silent.detail


def test_a_ready_service_run_is_judged_on_its_tests():
    payload = {
        "version": 2,
        "tests": [{"id": "hidden/test_api.py::test_up", "outcome": "passed", "duration_s": 0.1}],
        "child": {"finished": True, "pytest_exit": 0},
        "service": {"ready": True, "waited_s": 0.4},
    }
    seen = Observation(stdout=encode_record(NONCE, payload), stderr=b"", duration_s=1.0)
    result = build_result(service_job(), NONCE, seen)
    assert result.status is sandbox.RunStatus.COMPLETED
    assert result.outcome_of("hidden/test_api.py::test_up") is sandbox.Outcome.PASSED


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


APP = textwrap.dedent(
    """
    import http.server, os
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"pong")
        def log_message(self, *args):
            pass
    http.server.HTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
    """
)


def fake_job(port: int, **fields) -> sandbox.Job:
    tests = f"""import urllib.request
def test_ping():
    assert urllib.request.urlopen("http://127.0.0.1:{port}/", timeout=10).read() == b"pong"
"""
    spec = {"language": "python", "start": "python3 app.py", "port": port, "startup_s": 20.0}
    return sandbox.Job(
        files={"app.py": APP},
        tests={"hidden/test_ping.py": tests},
        expected=("hidden/test_ping.py::test_ping",),
        service=sandbox.Service(**{**spec, **fields}),
    )


def test_the_fake_backend_runs_a_service_on_the_hosts_loopback(fake):
    port = free_port()
    result = sandbox.run(fake_job(port), fake)
    assert result.status is sandbox.RunStatus.COMPLETED, result.detail + result.candidate_tail
    assert result.outcome_of("hidden/test_ping.py::test_ping") is sandbox.Outcome.PASSED
    with socket.socket() as probe:  # the service was ended with the run
        assert probe.connect_ex(("127.0.0.1", port)) != 0


def test_the_fake_backend_reports_a_failed_build_and_refuses_datastores(fake):
    result = sandbox.run(fake_job(free_port(), build="echo no compiler; exit 2"), fake)
    assert result.status is sandbox.RunStatus.SERVICE_FAILED
    assert "no compiler\n== build exited with 2" in result.candidate_tail
    with pytest.raises(sandbox.InvalidJob, match="no datastores"):
        fake.run(fake_job(free_port(), datastores=(sandbox.Datastore("redis"),)))
