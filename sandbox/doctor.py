"""Prove, on the real engine, that the sandbox's limits hold: the checks behind `doctor`."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from typing import TYPE_CHECKING

from .backend import Check
from .image import image_status
from .image.languages import VARIANTS
from .model import Job, Limits, RunStatus

if TYPE_CHECKING:
    from .docker_backend import DockerBackend

# Each check runs in both containers: as the candidate's code (a module of its files) and
# inside the tests (the same source, executed by the test module itself).
PROBE = """\
import os
import socket
import subprocess


def _status(key):
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(key + ":"):
                return line.split(":", 1)[1].strip()


def no_network_but_loopback(port):
    assert [name for _, name in socket.if_nameindex()] == ["lo"]


def host_loopback_unreachable(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except OSError:
        return
    raise AssertionError("reached a port of the host")


def root_filesystem_read_only(port):
    for path in ("/probe", "/etc/probe", "/usr/lib/probe"):
        try:
            open(path, "w").close()
        except OSError:
            continue
        raise AssertionError(f"wrote {path}")
    with open("/proc/mounts") as handle:
        root = [line.split() for line in handle if line.split()[1] == "/"]
    assert root and "ro" in root[-1][3].split(",")


def non_root_user(port):
    assert os.getuid() != 0 and os.geteuid() != 0 and os.getgid() != 0


def no_capabilities(port):
    assert int(_status("CapEff"), 16) == 0 and int(_status("CapBnd"), 16) == 0


def no_new_privileges_and_seccomp(port):
    assert _status("NoNewPrivs") == "1" and _status("Seccomp") == "2"


def scratch_is_not_executable(port):
    path = f"/tmp/probe-{os.getpid()}.sh"
    with open(path, "w") as handle:
        handle.write("#!/bin/sh\\necho escaped\\n")
    os.chmod(path, 0o755)
    try:
        subprocess.run([path], check=False)
    except PermissionError:
        return
    raise AssertionError("ran a file from the scratch disk")


def clean_environment(port):
    assert set(os.environ) <= {
        "PATH", "HOME", "TMPDIR", "LANG", "PYTHONDONTWRITEBYTECODE",
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD", "PYTEST_CURRENT_TEST", "PYTEST_VERSION",
    }


def nothing_of_the_other_side(port):
    found = []
    for root, _, names in os.walk("/tmp"):
        found += [os.path.join(root, n) for n in names if n.startswith(("test_", "probe.py"))]
    assert len(found) <= 1, found  # only this side's own file
"""
ISOLATION_TESTS = """\
import pytest

import probe as candidate

HOST_PORT = {port}
PROBE = {probe!r}
tester = {{}}
exec(PROBE, tester)  # the doctor's own checks, run in the tests' container as well
CHECKS = [name for name in tester if not name.startswith("_") and callable(tester[name])]
CHECKS.remove("subprocess") if "subprocess" in CHECKS else None


@pytest.mark.parametrize("side", ["candidate", "tester"])
@pytest.mark.parametrize("check", [c for c in CHECKS if c not in ("os", "socket")])
def test_isolation(check, side):
    function = getattr(candidate, check) if side == "candidate" else tester[check]
    function(HOST_PORT)
"""
MEMORY_PROBE = """\
def allocate_far_beyond_the_limit():
    blocks = [bytearray(16 * 1024 * 1024) for _ in range(64)]
    return len(blocks)
"""
PIDS_PROBE = """\
import threading
import time


def start_threads():
    started = 0
    try:
        for _ in range(200):
            threading.Thread(target=time.sleep, args=(5,), daemon=True).start()
            started += 1
    except RuntimeError:
        pass
    return started
"""
DEADLINE_PROBE = """\
import time


def sleep_past_the_deadline():
    time.sleep(600)
"""
CALLS = {
    "memory": "from probe import allocate_far_beyond_the_limit as go\n",
    "pids": "from probe import start_threads as go\n",
    "wall": "from probe import sleep_past_the_deadline as go\n",
}


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


def _probe(name: str, probe: str, tests: str, limits: Limits) -> Job:
    return Job(files={"probe.py": probe}, tests={f"checks/test_{name}.py": tests}, limits=limits)


def _limit_test(name: str) -> str:
    check = "assert go() < 200" if name == "pids" else "go()"
    return CALLS[name] + f"\n\ndef test_{name}():\n    {check}\n"


def enforcement_checks(backend: DockerBackend) -> list[Check]:
    """Run probe jobs that attack each limit and report whether the limit held."""
    checks = []
    with host_listener() as port:
        tests = ISOLATION_TESTS.format(port=port, probe=PROBE)
        result = backend.run(_probe("isolation", PROBE, tests, Limits(wall_s=60)))
    if not result.tests:
        checks.append(Check("isolation probe", False, result.detail))
    for test in result.tests:
        check, side = test.id.split("[", 1)[1].rstrip("]").split("-")
        name = f"{check.replace('_', ' ')} ({side})"
        evidence = test.message.strip().splitlines()[-1] if test.message.strip() else "held"
        checks.append(Check(name, test.outcome == "passed", evidence))
    for name, probe, limits, expected in (
        ("memory limit", MEMORY_PROBE, Limits(wall_s=30, memory_mb=64), RunStatus.MEMORY_EXCEEDED),
        ("pids limit", PIDS_PROBE, Limits(wall_s=30, pids=32), RunStatus.COMPLETED),
        ("wall deadline", DEADLINE_PROBE, Limits(wall_s=1), RunStatus.TIMED_OUT),
    ):
        short = name.split()[0]
        result = backend.run(_probe(short, probe, _limit_test(short), limits))
        held = result.status == expected and (
            expected != RunStatus.COMPLETED or all(t.outcome == "passed" for t in result.tests)
        )
        checks.append(Check(name, held, f"{result.status}: {result.detail}"))
    return checks


def docker_checks(backend: DockerBackend, *, enforcement: bool = True) -> list[Check]:
    """Check the engine, the image and then (unless told not to) that every limit is enforced."""
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
    if status != "current" or not enforcement:
        return checks
    return checks + enforcement_checks(backend)


def variant_checks(client, required: tuple[str, ...] = ()) -> list[Check]:
    """Report each language and datastore image; only those in `required` can fail."""
    checks = []
    for name, row in VARIANTS.items():
        if name == "python":
            continue  # the default image, checked above
        status, label = image_status(client, row.image)
        detail = f"{row.image}: {status}"
        if status != "current":
            hint = f"build it with `assessor sandbox build-image --language {name}`"
            detail += f"; {hint}" if name in required else f" (optional); {hint}"
        else:
            detail += f" (version {label})"
        checks.append(
            Check(f"{row.kind} {name}", status == "current" or name not in required, detail)
        )
    return checks
