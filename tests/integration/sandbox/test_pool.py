"""The warm pool on the real engine: single use, refilled, drained, and rebuilt after a kill."""

from __future__ import annotations

import textwrap
import time

import pytest

import sandbox
from sandbox.pool import PoolKey

from .conftest import sandbox_containers

pytestmark = [pytest.mark.docker, pytest.mark.usefixtures("host_guard")]

FIRST = """
import os, subprocess

def leave_traces():
    with open("/tmp/work/run/secret-of-the-first.txt", "w") as handle:
        handle.write("first candidate")
    with open("/tmp/first-marker", "w") as handle:
        handle.write("x")
    subprocess.Popen(["sleep", "300"])  # a process that would outlive a reused container
    return True
"""
SECOND = """
import os

def look_around():
    found = []
    for root, _, names in os.walk("/tmp"):
        found += [os.path.join(root, n) for n in names if "first" in n]
    processes = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as handle:
                    processes.append(handle.read())
            except OSError:
                pass
    return found, [p.decode(errors="replace") for p in processes if b"sleep" in p]
"""


def job(source: str, test: str) -> sandbox.Job:
    return sandbox.Job(
        files={"probe.py": textwrap.dedent(source)},
        tests={"hidden/test_probe.py": textwrap.dedent(test)},
        expected=(f"hidden/test_probe.py::{test.split('def ', 1)[1].split('(')[0]}",),
    )


@pytest.fixture
def pooled(sandbox_image, docker_client):
    backend = sandbox.DockerBackend(
        client=docker_client, image=sandbox_image, pool_size=1, warm=(sandbox.Limits(),)
    )
    yield backend
    backend.close()


def wait_ready(backend, seconds: float = 60.0) -> PoolKey:
    key = PoolKey.of(backend.image, sandbox.Limits())
    deadline = time.monotonic() + seconds
    while backend.pool.ready(key) == 0:
        assert time.monotonic() < deadline, "the pool never warmed up"
        time.sleep(0.02)
    return key


def test_a_second_job_never_sees_the_first_jobs_files_or_processes(pooled):
    wait_ready(pooled)
    first_test = "from probe import leave_traces\n\ndef test_first():\n    assert leave_traces()\n"
    first = pooled.run(job(FIRST, first_test))
    assert [str(t.outcome) for t in first.tests] == ["passed"]
    wait_ready(pooled)
    second = pooled.run(
        job(
            SECOND,
            "from probe import look_around\n\n"
            "def test_second():\n    assert look_around() == ([], [])\n",
        )
    )
    assert [str(t.outcome) for t in second.tests] == ["passed"], second.tests[0].message
    assert pooled.pooled_runs == 2


def test_the_pool_refills_after_use_and_drains_on_close(pooled, docker_client):
    key = wait_ready(pooled)
    mine = {c["Id"] for c in sandbox_containers(docker_client)}
    assert len(mine) == 2  # one waiting pair: a candidate and a tester container
    result = pooled.run(job(SECOND, "from probe import look_around\n\ndef test_x():\n    pass\n"))
    assert result.status is sandbox.RunStatus.COMPLETED
    wait_ready(pooled)
    pooled.settle()
    now = {c["Id"] for c in sandbox_containers(docker_client)}
    assert len(now) == 2 and not now & mine  # used ones removed, a fresh pair waits
    pooled.close()
    assert sandbox_containers(docker_client) == [] and pooled.pool.ready(key) == 0


def test_a_killed_waiting_pair_is_replaced_and_never_used(pooled, docker_client):
    wait_ready(pooled)
    for container in sandbox_containers(docker_client):
        docker_client.api.kill(container["Id"])  # as an engine restart would
    result = pooled.run(job(SECOND, "from probe import look_around\n\ndef test_x():\n    pass\n"))
    assert result.status is sandbox.RunStatus.COMPLETED and pooled.pooled_runs == 0
    wait_ready(pooled)  # rebuilt in the background
