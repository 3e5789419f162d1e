"""Service runs on the real engine: the candidate's HTTP service, its build, its datastores.

The service is Python (the default image is the python language's image); the tests reach it
over the run's loopback. Every test also runs `host_guard`: no container of the run (candidate,
tester, datastores) is left, and no process of the sandbox uid survives on the host.
"""

from __future__ import annotations

import socket
import textwrap

import pytest

import sandbox

pytestmark = [pytest.mark.docker, pytest.mark.usefixtures("host_guard")]

STATUS = sandbox.RunStatus
PORT = 8080
# The candidate's service: GET /<name> answers the JSON of `ROUTES[name]()`; /health says ok.
SERVER = """
import http.server, json, os, socket, sys
{routes}
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        name = self.path.strip("/") or "health"
        body = json.dumps(ROUTES[name]() if name in ROUTES else "ok").encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
print("service: listening", flush=True)
http.server.HTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler).serve_forever()
"""
NO_ROUTES = "ROUTES = {}"


def service_job(
    routes: str = NO_ROUTES, tests: str = "", *, files: dict | None = None, **service
) -> sandbox.Job:
    """Return a job whose service is `app.py` (SERVER with `routes`) and whose suite is `tests`."""
    tests = textwrap.dedent(tests) or "def test_nothing():\n    pass\n"
    names = [
        line.split("(")[0].removeprefix("def ")
        for line in tests.splitlines()
        if line.startswith("def test_")
    ]
    app = SERVER.format(routes=textwrap.dedent(routes))
    spec = {"language": "python", "start": "python3 app.py", "port": PORT, "ready": "/health"}
    return sandbox.Job(
        files=files if files is not None else {"app.py": app},
        tests={"hidden/test_service.py": tests},
        expected=tuple(f"hidden/test_service.py::{name}" for name in names),
        limits=sandbox.Limits(wall_s=30.0),
        service=sandbox.Service(**{"startup_s": 20.0, **spec, **service}),
    )


@pytest.fixture
def backend(sandbox_image: str, docker_client: object):
    """Return a Docker backend on the session's image, closed afterwards."""
    docker = sandbox.DockerBackend(client=docker_client, image=sandbox_image)
    yield docker
    docker.close()


def outcomes(result: sandbox.Result) -> dict[str, str]:
    return {t.id.split("::")[1]: str(t.outcome) for t in result.tests}


def test_a_python_service_passes_its_http_suite(backend):
    routes = """
        def add():
            return {"sum": 2 + 3, "port": os.environ["PORT"]}
        ROUTES = {"add": add}
    """
    tests = """
        import requests
        def test_add():
            answer = requests.get("http://127.0.0.1:8080/add", timeout=10)
            assert answer.json() == {"sum": 5, "port": "8080"}
        def test_wrong():
            assert requests.get("http://127.0.0.1:8080/add", timeout=10).json()["sum"] == 6
    """
    result = sandbox.run(service_job(routes, tests), backend)
    assert result.status is STATUS.COMPLETED, result.detail
    assert outcomes(result) == {"test_add": "passed", "test_wrong": "failed"}
    assert result.candidate_tail.startswith("== start: python3 app.py\nservice: listening")


def test_a_failed_build_is_the_candidates_failure_with_its_output(backend):
    build = "echo compiling app.py; echo 'app.py:3: syntax error' >&2; exit 2"
    result = sandbox.run(service_job(build=build), backend)
    assert result.status is STATUS.SERVICE_FAILED
    assert "build failed" in result.detail and "GET /health on port 8080" in result.detail
    assert result.candidate_tail.startswith(f"== build: {build}\ncompiling app.py\n")
    assert "app.py:3: syntax error\n== build exited with 2" in result.candidate_tail
    assert "== start:" not in result.candidate_tail
    assert outcomes(result) == {"test_nothing": "failed"}


def test_the_build_runs_in_the_files_folder_and_may_produce_a_program(backend):
    # What a Go or Java build does: compile into the scratch space, then run what it made.
    build = "printf '#!/bin/sh\\nexec python3 app.py\\n' > /tmp/work/run && chmod +x /tmp/work/run"
    tests = """
        import urllib.request
        def test_up():
            assert urllib.request.urlopen("http://127.0.0.1:8080/", timeout=10).status == 200
    """
    result = sandbox.run(service_job(tests=tests, build=build, start="/tmp/work/run"), backend)
    assert result.status is STATUS.COMPLETED, result.detail + result.candidate_tail
    assert outcomes(result) == {"test_up": "passed"}
    assert "== build exited with 0\n== start: /tmp/work/run" in result.candidate_tail


def test_a_service_that_never_listens_fails_within_startup(backend):
    result = sandbox.run(service_job(start="sleep 600", startup_s=3.0), backend)
    assert result.status is STATUS.SERVICE_FAILED
    assert "within 3 s (nothing listened on port 8080)" in result.detail


def test_a_service_that_exits_at_start_ends_the_wait_early(backend):
    result = sandbox.run(service_job(start="echo bye; exit 7", startup_s=300.0), backend)
    assert result.status is STATUS.SERVICE_FAILED
    assert "it exited with code 7" in result.detail
    assert result.candidate_tail.endswith("bye\n== service exited with 7\n")
    assert "the tests stopped waiting after" in result.detail  # the host saw it end


def test_a_service_answering_500_is_not_ready(backend):
    files = {
        "app.py": SERVER.format(routes=NO_ROUTES).replace(
            "send_response(200)", "send_response(503)"
        )
    }
    result = sandbox.run(service_job(files=files, startup_s=2.0), backend)
    assert result.status is STATUS.SERVICE_FAILED
    assert "it answered with status 503" in result.detail


def test_a_service_over_its_memory_limit_is_memory_exceeded(backend):
    result = sandbox.run(service_job(start="python3 -c 'x = bytearray(2 * 10**9)'"), backend)
    assert result.status is STATUS.MEMORY_EXCEEDED, result.detail
    assert "the candidate's code hit the 256 MB limit" in result.detail


def test_a_go_service_is_built_then_run_from_the_scratch_space(backend, docker_client):
    from sandbox.image import ensure_language_image

    ensure_language_image("go", client=docker_client, progress=lambda m: print(f"[go] {m}"))
    main = """package main

import (
	"fmt"
	"net/http"
	"os"
)

func main() {
	http.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") })
	http.ListenAndServe("127.0.0.1:"+os.Getenv("PORT"), nil)
}
"""
    tests = """
        import requests
        def test_health():
            assert requests.get("http://127.0.0.1:8080/health", timeout=10).text == "ok"
    """
    files = {"go.mod": "module app\n\ngo 1.19\n", "main.go": main}
    job = service_job(
        tests=tests,
        files=files,
        language="go",
        build="go build -o /tmp/work/app .",
        start="/tmp/work/app",
        startup_s=120.0,
    )
    result = sandbox.run(job, backend)
    assert result.status is STATUS.COMPLETED, result.detail + result.candidate_tail
    assert outcomes(result) == {"test_health": "passed"}


def test_a_service_crashing_mid_run_fails_its_tests_only(backend):
    routes = """
        def crash():
            os._exit(3)
        ROUTES = {"crash": crash}
    """
    tests = """
        import pytest, requests
        def test_before():
            assert requests.get("http://127.0.0.1:8080/", timeout=10).json() == "ok"
        def test_crash():
            with pytest.raises(requests.ConnectionError):
                requests.get("http://127.0.0.1:8080/crash", timeout=10)
        def test_after():
            assert requests.get("http://127.0.0.1:8080/", timeout=10).json() == "ok"
    """
    result = sandbox.run(service_job(routes, tests), backend)
    assert result.status is STATUS.COMPLETED, result.detail
    assert outcomes(result) == {
        "test_before": "passed",
        "test_crash": "passed",
        "test_after": "failed",
    }
    assert result.candidate_tail.endswith("== service exited with 3\n")


def test_the_service_sees_no_test_no_nonce_and_no_network(backend, monkeypatch):
    nonce = "5ec12e7" * 4
    monkeypatch.setattr("sandbox.docker_backend.new_nonce", lambda: nonce)
    routes = """
        SECRET = "hidden-" + "marker"  # never whole in this file, which it also reads
        NONCE = "5ec12e7" * 4
        def found():
            hits = []
            for root, dirs, files in os.walk("/"):
                skip = ("/proc", "/sys", "/dev")
                dirs[:] = [d for d in dirs if os.path.join(root, d) not in skip]
                for name in files:
                    path = os.path.join(root, name)
                    if name in ("test_service.py", "conftest.py", "pytest.ini"):
                        hits.append(path)
                    elif path.startswith("/tmp"):
                        try:
                            text = open(path, errors="replace").read()
                        except OSError:
                            continue
                        if SECRET in text or NONCE in text:
                            hits.append(path)
            for pid in [p for p in os.listdir("/proc") if p.isdigit()]:
                for part in ("cmdline", "environ"):
                    try:
                        data = open(f"/proc/{pid}/{part}", "rb").read()
                    except OSError:
                        continue
                    if any(x.encode() in data for x in (NONCE, SECRET, "pytest")):
                        hits.append(f"/proc/{pid}/{part}")
            return {"hits": hits, "env": NONCE in json.dumps(dict(os.environ))}
        def interfaces():
            return [name for _, name in socket.if_nameindex()]
        ROUTES = {"found": found, "interfaces": interfaces}
    """
    tests = """
        import requests
        MARKER = "hidden-marker"
        def test_nothing_of_the_tests_is_found():
            assert requests.get("http://127.0.0.1:8080/found", timeout=20).json() == {
                "hits": [], "env": False
            }
        def test_only_loopback():
            assert requests.get("http://127.0.0.1:8080/interfaces", timeout=10).json() == ["lo"]
    """
    result = sandbox.run(service_job(routes, tests), backend)
    assert result.status is STATUS.COMPLETED, result.detail
    assert set(outcomes(result).values()) == {"passed"}, [t.message for t in result.tests]


def test_the_service_cannot_reach_the_host(backend):
    listener = socket.socket()
    listener.bind(("0.0.0.0", 0))  # noqa: S104 - every host address, to prove none is reachable
    listener.listen(8)
    port = listener.getsockname()[1]
    routes = f"""
        def reach():
            seen = {{}}
            for host in ("127.0.0.1", "172.17.0.1", "10.0.0.1"):
                try:
                    socket.create_connection((host, {port}), timeout=2).close()
                    seen[host] = "connected"
                except OSError as exc:
                    seen[host] = type(exc).__name__
            return seen
        ROUTES = {{"reach": reach}}
    """
    tests = """
        import requests
        def test_reach():
            seen = requests.get("http://127.0.0.1:8080/reach", timeout=20).json()
            assert "connected" not in seen.values(), seen
    """
    try:
        result = sandbox.run(service_job(routes, tests), backend)
    finally:
        listener.close()
    assert result.status is STATUS.COMPLETED, result.detail
    assert outcomes(result) == {"test_reach": "passed"}, result.tests[0].message


def test_service_jobs_bypass_the_warm_pool(sandbox_image, docker_client):
    pooled = sandbox.DockerBackend(client=docker_client, image=sandbox_image, pool_size=1)
    try:
        result = sandbox.run(service_job(), pooled)
    finally:
        pooled.close()
    assert result.status is STATUS.COMPLETED, result.detail
    assert pooled.pooled_runs == 0


SEED = """
CREATE TABLE products (id int PRIMARY KEY, name text NOT NULL);
INSERT INTO products VALUES (1, 'pen'), (2, 'ink');
"""


@pytest.fixture(scope="session")
def stores(docker_client: object) -> None:
    """Build the datastore images when missing or stale (slow once, then cached)."""
    from sandbox.image import ensure_store_image

    for kind in ("postgres", "redis"):
        ensure_store_image(kind, client=docker_client, progress=lambda m: print(f"[store] {m}"))


def test_datastores_are_seeded_and_the_service_gets_their_addresses(backend, stores):
    routes = """
        def env():
            return {k: os.environ.get(k) for k in ("DATABASE_URL", "PGUSER", "REDIS_URL")}
        ROUTES = {"env": env}
    """
    tests = """
        import psycopg, redis, requests
        def test_the_service_knows_where_the_stores_are():
            assert requests.get("http://127.0.0.1:8080/env", timeout=10).json() == {
                "DATABASE_URL": "postgresql://app@127.0.0.1:5432/app",
                "PGUSER": "app",
                "REDIS_URL": "redis://127.0.0.1:6379/0",
            }
        def test_the_seeds_are_there():
            with psycopg.connect("postgresql://app@127.0.0.1:5432/app") as conn:
                rows = conn.execute("SELECT name FROM products ORDER BY id").fetchall()
            assert rows == [("pen",), ("ink",)]
            client = redis.Redis.from_url("redis://127.0.0.1:6379/0", decode_responses=True)
            assert client.get("greeting") == "hello world"
    """
    datastores = (
        sandbox.Datastore("postgres", SEED),
        sandbox.Datastore("redis", 'SET greeting "hello world"'),
    )
    result = sandbox.run(service_job(routes, tests, datastores=datastores), backend)
    assert result.status is STATUS.COMPLETED, result.detail
    assert set(outcomes(result).values()) == {"passed"}, [t.message for t in result.tests]


def test_a_seed_that_fails_is_an_infrastructure_error_naming_the_store(backend, stores):
    job = service_job(
        datastores=(sandbox.Datastore("postgres", "INSERT INTO nowhere VALUES (1);"),)
    )
    result = sandbox.run(job, backend)
    assert result.status is STATUS.INFRASTRUCTURE_ERROR
    assert "the postgres datastore's seed failed" in result.detail
    assert 'relation "nowhere" does not exist' in result.detail
