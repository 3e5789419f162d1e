"""Language and datastore images on the real engine: built once, hardened, and working."""

from __future__ import annotations

import shutil
import subprocess
import uuid
from collections.abc import Iterator

import pytest

from sandbox.image import (
    LABEL_HARNESS,
    LABEL_IMAGE,
    ensure_language_image,
    ensure_store_image,
    harness_version,
    image_status,
    language_image,
    store_image,
)
from sandbox.image.languages import READY_LINE, VARIANTS
from sandbox.image.recipe import SANDBOX_UID

pytestmark = [pytest.mark.docker, pytest.mark.slow]

# The hardening every sandbox container gets (see the docker pair), minus the pool machinery.
HARDENED = [
    "--network=none",
    "--read-only",
    "--tmpfs=/tmp:rw,nosuid,nodev,noexec,size=256m",
    f"--user={SANDBOX_UID}:{SANDBOX_UID}",
    "--cap-drop=ALL",
    "--security-opt=no-new-privileges",
    "--memory=512m",
    "--pids-limit=128",
    "--init",
]
SEED = """\
CREATE TABLE products (id serial PRIMARY KEY, name text NOT NULL);
INSERT INTO products (name) VALUES ('apple'), ('pear');
"""
INSIDE = """\
import os, socket
with open("/proc/mounts") as handle:
    root = [line.split() for line in handle if line.split()[1] == "/"][-1]
print(os.getuid(), [name for _, name in socket.if_nameindex()], "ro" in root[3].split(","))
"""


def _progress(message: str) -> None:
    print(f"[images] {message}")


@pytest.fixture(scope="module", autouse=True)
def docker_cli() -> None:
    if shutil.which("docker") is None:
        pytest.skip("the docker command line is missing (these tests drive containers with it)")


def _docker(*args: str, input: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["docker", *args], input=input, capture_output=True, text=True, timeout=120
    )


@pytest.fixture(scope="module")
def node_image(docker_client) -> str:
    ensure_language_image("node", client=docker_client, progress=_progress)
    return language_image("node")


@pytest.fixture(scope="module")
def postgres_image(docker_client) -> str:
    ensure_store_image("postgres", client=docker_client, progress=_progress)
    return store_image("postgres")


@pytest.fixture
def store(postgres_image, sandbox_image) -> Iterator[tuple[str, subprocess.Popen]]:
    """Start the postgres store seeded with SEED; yield its name and process once ready."""
    name = f"assessor-test-store-{uuid.uuid4().hex[:8]}"
    process = subprocess.Popen(
        ["docker", "run", "-i", "--rm", f"--name={name}", *HARDENED, postgres_image],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        process.stdin.write(SEED)
        process.stdin.close()
        assert process.stdout.readline().strip() == READY_LINE
        yield name, process
    finally:
        _docker("rm", "-f", name)
        process.wait(timeout=60)
        process.stdout.close()


def test_the_node_image_is_labelled_and_runs_node_hardened(docker_client, node_image):
    assert image_status(docker_client, node_image) == ("current", VARIANTS["node"].version())
    labels = docker_client.api.inspect_image(node_image)["Config"]["Labels"]
    assert labels[LABEL_HARNESS] == harness_version()
    assert labels[LABEL_IMAGE] == VARIANTS["node"].version()
    done = _docker("run", "--rm", *HARDENED, node_image, "node", "-e", "console.log(6 * 7)")
    assert done.stdout.strip() == "42", done.stderr
    modules = "require('pg'); require('redis'); console.log('found')"
    done = _docker("run", "--rm", *HARDENED, node_image, "node", "-e", modules)
    assert done.stdout.strip() == "found", done.stderr
    esm = "import pg from 'pg'; import { createClient } from 'redis'; console.log(typeof pg.Client)"
    done = _docker("run", "--rm", *HARDENED, node_image, "node", "--input-type=module", "-e", esm)
    assert done.stdout.strip() == "function", done.stderr
    done = _docker("run", "--rm", *HARDENED, node_image, "python3", "-c", INSIDE)
    assert done.stdout.split(" ", 1) == [str(SANDBOX_UID), "['lo'] True\n"], done.stderr


def test_the_postgres_store_is_seeded_and_hardened(store):
    name, _ = store
    query = ["psql", "-h", "127.0.0.1", "-U", "app", "-d", "app", "-Atc"]
    done = _docker("exec", name, *query, "SELECT string_agg(name, ',' ORDER BY id) FROM products")
    assert done.stdout.strip() == "apple,pear", done.stderr
    done = _docker("exec", name, "python3", "-c", INSIDE)
    assert done.stdout.split(" ", 1) == [str(SANDBOX_UID), "['lo'] True\n"], done.stderr


def test_a_second_container_reaches_the_store_over_the_shared_loopback(store, sandbox_image):
    name, _ = store
    client = (
        "import psycopg\n"
        "with psycopg.connect('postgresql://app@127.0.0.1:5432/app') as db:\n"
        "    print(db.execute('SELECT count(*) FROM products').fetchone()[0])\n"
    )
    hardened = [option for option in HARDENED if option != "--network=none"]
    done = _docker(
        "run",
        "--rm",
        f"--network=container:{name}",
        *hardened,
        sandbox_image,
        "python3",
        "-c",
        client,
    )
    assert done.stdout.strip() == "2", done.stderr


ATTACKS = """\
import psycopg


def refused(sql, conninfo="postgresql://app@127.0.0.1:5432/app"):
    try:
        with psycopg.connect(conninfo, autocommit=True) as db:
            db.execute(sql)
    except psycopg.Error:
        return True
    return False


with psycopg.connect("postgresql://app@127.0.0.1:5432/app", autocommit=True) as db:
    db.execute("SELECT count(*) FROM products").fetchone()
    calls = db.execute(
        "SELECT sum(calls) FROM stats.pg_stat_statements WHERE query LIKE '%FROM products%'"
    ).fetchone()[0]
print(calls >= 1)
print(refused("SELECT 1", "postgresql://postgres@127.0.0.1:5432/app"))
print(refused("SELECT 1", "postgresql://postgres@127.0.0.1:5432/postgres"))
print(refused("SELECT stats.pg_stat_statements_reset()"))
print(refused("DROP VIEW stats.pg_stat_statements"))
print(refused("DROP EXTENSION pg_stat_statements"))
print(refused("ALTER SYSTEM SET shared_preload_libraries = ''"))
"""


def test_statement_statistics_are_there_and_the_service_cannot_forge_them(store, sandbox_image):
    """The tests judge work done from pg_stat_statements; `app` can read it, never reset it."""
    name, _ = store
    hardened = [option for option in HARDENED if option != "--network=none"]
    done = _docker(
        "run",
        "--rm",
        f"--network=container:{name}",
        *hardened,
        sandbox_image,
        "python3",
        "-c",
        ATTACKS,
    )
    assert done.stdout.split() == ["True"] * 7, done.stdout + done.stderr


def test_a_broken_seed_is_reported_and_ends_the_store(postgres_image):
    done = _docker("run", "-i", "--rm", *HARDENED, postgres_image, input="SELECT nonsense FROM;\n")
    assert done.returncode == 1
    assert done.stdout.startswith("assessor-store: seed failed: ")
    assert "syntax error" in done.stdout


GO_PROGRAM = """\
package main

import (
	"fmt"
	"net/http"

	"github.com/gomodule/redigo/redis"
	"github.com/lib/pq"
)

func main() {
	fmt.Println(http.StatusTeapot, pq.QuoteIdentifier("t"), len(redis.Args{}.Add(1)))
}
"""
GO_MOD = "module example.com/shop\n\ngo 1.19\n\nrequire github.com/lib/pq v1.10.7\n"


def test_go_builds_net_http_with_debian_s_drivers_offline(docker_client, tmp_path):
    ensure_language_image("go", client=docker_client, progress=_progress)
    (tmp_path / "main.go").write_text(GO_PROGRAM)
    (tmp_path / "go.mod").write_text(GO_MOD)  # redigo is missing: -mod=mod adds it
    tmp_path.chmod(0o755)
    script = "cp -r /src /tmp/work && cd /tmp/work && go build -o app . && ./app"
    # The binary runs from /tmp: this container's tmpfs allows exec, unlike the default one.
    hardened = [o if not o.startswith("--tmpfs") else "--tmpfs=/tmp:rw,exec" for o in HARDENED]
    image = language_image("go")
    done = _docker("run", "--rm", *hardened, "-v", f"{tmp_path}:/src:ro", image, "sh", "-c", script)
    assert done.stdout.strip() == '418 "t" 1', done.stderr
