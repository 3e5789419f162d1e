"""The orphan sweep on a shared engine: leftovers go, live runs of other workers stay."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import textwrap
import time

import docker
import pytest

import sandbox
from sandbox.container import create_kwargs
from sandbox.orphans import LABEL_OWNER_HOST, LABEL_OWNER_PID, run_labels

pytestmark = pytest.mark.docker


def _container(client, image: str, labels: dict[str, str]) -> str:
    kwargs = create_kwargs(image, sandbox.Limits(), labels)
    kwargs["host_config"] = client.api.create_host_config(**kwargs["host_config"])
    container = client.api.create_container(**kwargs)["Id"]
    client.api.start(container)  # the harness waits on stdin: a live, idle run
    return container


def _exists(client, container: str) -> bool:
    return any(c["Id"] == container for c in client.api.containers(all=True))


def test_sweep_removes_only_expired_or_abandoned_containers(
    docker_backend, docker_client, sandbox_image
):
    owner = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    future = time.time() + 600
    made = {}
    try:
        made["live"] = _container(docker_client, sandbox_image, run_labels(future, owner.pid))
        made["dead owner"] = _container(docker_client, sandbox_image, run_labels(future, dead.pid))
        made["expired"] = _container(
            docker_client, sandbox_image, run_labels(time.time() - 600, owner.pid)
        )
        elsewhere = run_labels(future, owner.pid) | {LABEL_OWNER_HOST: "another-worker-host"}
        made["other host"] = _container(docker_client, sandbox_image, elsewhere)
        reused = run_labels(future, owner.pid) | {LABEL_OWNER_PID: str(owner.pid)}
        reused["org.assessor.sandbox.owner-start"] = "1"  # same pid, another process
        made["reused pid"] = _container(docker_client, sandbox_image, reused)

        removed = set(docker_backend.sweep_orphans())

        assert {name for name, cid in made.items() if cid in removed} == {
            "dead owner",
            "expired",
            "reused pid",
        }
        assert _exists(docker_client, made["live"]) and _exists(docker_client, made["other host"])
    finally:
        owner.kill()
        owner.wait()
        for container in made.values():
            with contextlib.suppress(docker.errors.NotFound):  # the sweep took it already
                docker_client.api.remove_container(container, force=True)


def test_a_sweep_never_kills_another_workers_live_run(
    docker_backend, docker_client, sandbox_image, host_guard
):
    worker = textwrap.dedent(
        """
        import sys
        import sandbox
        job = sandbox.Job(
            files={"slow.py": "import time\\ndef wait():\\n    time.sleep(4)\\n    return 42\\n"},
            tests={
                "hidden/test_slow.py": "from slow import wait\\n"
                "def test_wait():\\n    assert wait() == 42\\n"
            },
            image=sys.argv[1],
        )
        result = sandbox.run(job, sandbox.DockerBackend(image=sys.argv[1]))
        print(result.status, result.outcome_of("hidden/test_slow.py::test_wait"))
        """
    )
    other = subprocess.Popen(
        [sys.executable, "-c", worker, sandbox_image], stdout=subprocess.PIPE, text=True
    )
    try:
        for _ in range(300):  # until the other worker's container exists
            owned = docker_client.api.containers(
                filters={"label": f"{LABEL_OWNER_PID}={other.pid}"}
            )
            if owned or other.poll() is not None:
                break
            time.sleep(0.05)
        assert owned, "the other worker never started its container"
        removed = docker_backend.sweep_orphans()
        assert owned[0]["Id"] not in removed
        out, _ = other.communicate(timeout=120)
    finally:
        other.kill()
    assert out.split() == ["completed", "passed"]
