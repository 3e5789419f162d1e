"""Fixtures for the sandbox tests on the real engine: the image, a backend, host guards."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import sandbox
from sandbox.image import default_image, ensure_image
from sandbox.image.recipe import SANDBOX_UID
from sandbox.orphans import LABEL, LABEL_OWNER_PID
from sandbox.pool import PoolKey


@pytest.fixture(scope="session")
def sandbox_image(docker_client: object) -> str:
    """Build the sandbox image when missing or stale (slow once, then cached); return its name."""
    image = default_image()
    ensure_image(
        image, client=docker_client, progress=lambda message: print(f"[sandbox image] {message}")
    )
    return image


@pytest.fixture(scope="session")
def docker_client() -> Iterator[object]:
    """Return a Docker client for the session."""
    import docker

    client = docker.from_env(timeout=120)
    yield client
    client.close()


class PooledBackend(sandbox.DockerBackend):
    """The Docker backend with a warm pool, each job served by a pair started ahead of it."""

    def run(self, job: sandbox.Job) -> sandbox.Result:
        key = PoolKey.of(self.image_for(job), job.limits)
        self.pool.want(key)
        deadline = time.monotonic() + 60
        while self.pool.ready(key) == 0:
            assert time.monotonic() < deadline, "the pool never warmed up"
            time.sleep(0.02)
        before = self.pooled_runs
        result = super().run(job)
        assert self.pooled_runs == before + 1, "the job did not run in a pooled pair"
        return result


def docker_backend_of(mode: str, client: object, image: str) -> sandbox.DockerBackend:
    """Return a Docker backend starting containers per job ("cold") or from a pool ("pooled")."""
    if mode == "cold":
        return sandbox.DockerBackend(client=client, image=image)
    return PooledBackend(client=client, image=image, pool_size=1)


@pytest.fixture(params=["cold", "pooled"])
def docker_backend(request, sandbox_image: str, docker_client: object) -> Iterator:
    """Return the Docker backend on the session's image: starting containers per job, or pooled.

    Every attack must hold both ways; the pool is drained (and every used pair removed) before
    `host_guard` looks for leftovers.
    """
    backend = docker_backend_of(request.param, docker_client, sandbox_image)
    yield backend
    backend.close()


def sandbox_containers(client: object, *, mine: bool = True) -> list[dict]:
    """Return the sandbox containers of this process (other workers may share the engine)."""
    containers = client.api.containers(all=True, filters={"label": f"{LABEL}=1"})
    owned = [
        c for c in containers if (c.get("Labels") or {}).get(LABEL_OWNER_PID) == str(os.getpid())
    ]
    return owned if mine else [c for c in containers if c not in owned]


def _sandbox_uid_processes() -> dict[int, str]:
    """Return the host's processes running as the sandbox uid, with their cgroup lines."""
    found = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            lines = status.read_text().splitlines()
            uid = int(next(line for line in lines if line.startswith("Uid:")).split()[1])
            if uid == SANDBOX_UID:
                found[int(status.parent.name)] = (status.parent / "cgroup").read_text()
        except (OSError, StopIteration, ValueError):
            continue
    return found


def stray_sandbox_processes(client: object) -> list[int]:
    """Return sandbox-uid processes on the host that no other worker's live container explains."""
    processes = _sandbox_uid_processes()
    others = [c["Id"] for c in sandbox_containers(client, mine=False)]
    return [
        pid
        for pid, cgroup in processes.items()
        if not any(cid in cgroup for cid in others) and Path(f"/proc/{pid}").exists()
    ]


@pytest.fixture
def host_guard(tmp_path: Path, docker_client: object) -> Iterator[None]:
    """Check after the test that the host is unaffected and nothing was left behind."""
    canary = tmp_path / "canary.txt"
    canary.write_text("untouched")
    yield
    leftovers = sandbox_containers(docker_client)
    for container in leftovers:  # keep the next test independent of this one's failure
        docker_client.api.remove_container(container["Id"], force=True)
    assert leftovers == [], "a sandbox container was left behind"
    assert stray_sandbox_processes(docker_client) == [], "a sandbox process survived on the host"
    assert canary.read_text() == "untouched"
    subprocess.run(["true"], check=True)  # the host can still fork
    assert len(bytearray(64 * 1024 * 1024)) == 64 * 1024 * 1024  # and allocate
    assert os.statvfs("/").f_bavail > 0
