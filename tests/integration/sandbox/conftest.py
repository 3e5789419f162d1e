"""Fixtures for the sandbox tests on the real engine: the image, a backend, host guards."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

import sandbox
from sandbox.image import default_image, ensure_image
from sandbox.image.recipe import SANDBOX_UID
from sandbox.orphans import LABEL


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


@pytest.fixture
def docker_backend(sandbox_image: str, docker_client: object) -> sandbox.DockerBackend:
    """Return the Docker backend on the session's image."""
    return sandbox.DockerBackend(client=docker_client, image=sandbox_image)


def sandbox_containers(client: object) -> list[dict]:
    """Return every container carrying the sandbox label."""
    return client.api.containers(all=True, filters={"label": f"{LABEL}=1"})


def sandbox_uid_processes() -> list[int]:
    """Return the host's processes running as the sandbox uid (container processes)."""
    pids = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            uid_line = next(
                line for line in status.read_text().splitlines() if line.startswith("Uid:")
            )
        except (OSError, StopIteration):
            continue
        if int(uid_line.split()[1]) == SANDBOX_UID:
            pids.append(int(status.parent.name))
    return pids


@pytest.fixture
def host_guard(tmp_path: Path, docker_client: object) -> Iterator[None]:
    """Check after the test that the host is unaffected and nothing was left behind."""
    canary = tmp_path / "canary.txt"
    canary.write_text("untouched")
    yield
    assert sandbox_containers(docker_client) == [], "a sandbox container was left behind"
    assert sandbox_uid_processes() == [], "a sandbox process is still running on the host"
    assert canary.read_text() == "untouched"
    subprocess.run(["true"], check=True)  # the host can still fork
    assert len(bytearray(64 * 1024 * 1024)) == 64 * 1024 * 1024  # and allocate
    assert os.statvfs("/").f_bavail > 0
