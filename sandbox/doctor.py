"""Prove, on the real engine, that the sandbox's limits hold: the checks behind `doctor`."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from typing import TYPE_CHECKING

from .backend import Check
from .image import image_status
from .model import Job, Limits, RunStatus

if TYPE_CHECKING:
    from .docker_backend import DockerBackend

ISOLATION_TESTS = """\
import os
import socket
import subprocess

import pytest

HOST_PORT = {port}


def _status(key):
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(key + ":"):
                return line.split(":", 1)[1].strip()


def test_no_network_but_loopback():
    assert [name for _, name in socket.if_nameindex()] == ["lo"]


def test_host_loopback_unreachable():
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", HOST_PORT), timeout=2).close()


def test_root_filesystem_read_only():
    for path in ("/probe", "/etc/probe", "/usr/lib/probe"):
        with pytest.raises(OSError):
            open(path, "w").close()
    with open("/proc/mounts") as handle:
        root = [line.split() for line in handle if line.split()[1] == "/"]
    assert root and "ro" in root[-1][3].split(",")


def test_non_root_user():
    assert os.getuid() != 0 and os.geteuid() != 0 and os.getgid() != 0


def test_no_capabilities():
    assert int(_status("CapEff"), 16) == 0 and int(_status("CapBnd"), 16) == 0


def test_no_new_privileges_and_seccomp():
    assert _status("NoNewPrivs") == "1"
    assert _status("Seccomp") == "2"


def test_scratch_is_not_executable():
    path = "/tmp/probe.sh"
    with open(path, "w") as handle:
        handle.write("#!/bin/sh\\necho escaped\\n")
    os.chmod(path, 0o755)
    with pytest.raises(PermissionError):
        subprocess.run([path], check=False)


def test_clean_environment():
    assert set(os.environ) <= {{
        "PATH", "HOME", "TMPDIR", "LANG", "PYTHONDONTWRITEBYTECODE",
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD", "PYTEST_CURRENT_TEST", "PYTEST_VERSION",
    }}
"""
MEMORY_TEST = """\
def test_allocate_far_beyond_the_limit():
    blocks = [bytearray(16 * 1024 * 1024) for _ in range(64)]
    assert blocks
"""
PIDS_TEST = """\
import threading
import time


def test_process_count_is_capped():
    started = []
    try:
        for _ in range(200):
            thread = threading.Thread(target=time.sleep, args=(5,), daemon=True)
            thread.start()
            started.append(thread)
    except RuntimeError:
        pass
    assert len(started) < 200
"""
DEADLINE_TEST = """\
import time


def test_sleep_past_the_deadline():
    time.sleep(600)
"""


@contextlib.contextmanager
def host_listener() -> Iterator[int]:
    """Listen on a host loopback port for the duration; yield its number."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    try:
        yield server.getsockname()[1]
    finally:
        server.close()


def _probe(name: str, tests: str, limits: Limits) -> Job:
    return Job(files={}, tests={f"probe/test_{name}.py": tests}, limits=limits)


def enforcement_checks(backend: DockerBackend) -> list[Check]:
    """Run probe jobs that attack each limit and report whether the limit held."""
    checks = []
    with host_listener() as port:
        job = _probe("isolation", ISOLATION_TESTS.format(port=port), Limits(wall_s=30))
        result = backend.run(job)
    if not result.tests:
        checks.append(Check("isolation probe", False, result.detail))
    for test in result.tests:
        name = test.id.split("::", 1)[1].removeprefix("test_").replace("_", " ")
        evidence = test.message.strip().splitlines()[-1] if test.message.strip() else "held"
        checks.append(Check(name, test.outcome == "passed", evidence))
    for name, tests, limits, expected in (
        ("memory limit", MEMORY_TEST, Limits(wall_s=30, memory_mb=64), RunStatus.MEMORY_EXCEEDED),
        ("pids limit", PIDS_TEST, Limits(wall_s=30, pids=32), RunStatus.COMPLETED),
        ("wall deadline", DEADLINE_TEST, Limits(wall_s=1), RunStatus.TIMED_OUT),
    ):
        result = backend.run(_probe(name.split()[0], tests, limits))
        held = result.status == expected and (
            expected != RunStatus.COMPLETED or all(t.outcome == "passed" for t in result.tests)
        )
        checks.append(Check(name, held, f"{result.status}: {result.detail}"))
    return checks


def docker_checks(backend: DockerBackend) -> list[Check]:
    """Check the engine, the image and then that every limit is enforced."""
    try:
        client = backend.client
        version = client.version()
        checks = [
            Check(
                "engine", True, f"Docker {version.get('Version')} (API {version.get('ApiVersion')})"
            )
        ]
    except Exception as exc:  # any failure to talk to the engine is the finding itself
        return [Check("engine", False, f"cannot reach the Docker engine: {exc}")]
    status, label = image_status(client, backend.image)
    checks.append(
        Check(
            "image",
            status == "current",
            f"{backend.image}: {status} (label {label}, harness {backend.harness_version})",
        )
    )
    if status != "current":
        return checks
    return checks + enforcement_checks(backend)
