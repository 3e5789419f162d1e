"""Service runs: the agent builds and starts the candidate's service; the supervisor awaits it.

The agent's side runs in the candidate's container: the candidate's files, `build` then `start`
with `sh -c`, their output on the container's stdout under `== ...` section lines. The
supervisor's side runs in the tester's: it polls the service's ready path over the shared
loopback before any test runs, and never runs a byte of the candidate's code.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import select
import signal
import subprocess
import time
from pathlib import Path

from .workspace import write_tree

PROBE_TIMEOUT_S = 2.0  # one GET; a service that accepts and never answers costs this per try
PAUSE_S = 0.05  # between tries: quick to notice readiness, cheap on a 2-core host
GONE = b"candidate-exited"  # the host's line: the candidate's container has ended


def _say(text: str) -> None:
    """Write one section line straight to stdout, in order with the commands' own output."""
    data = (text + "\n").encode("utf-8", "replace")
    while data:
        data = data[os.write(1, data) :]


def _describe(code: int) -> str:
    return f"exited with {code}" if code >= 0 else f"was killed by signal {-code}"


def _shell(command: str, folder: Path, env: dict[str, str]) -> subprocess.Popen:
    # Its own session, so the whole group is killed when the host hangs up; stderr joins
    # stdout, so the log reads in the order things happened.
    return subprocess.Popen(
        ["/bin/sh", "-c", command],
        cwd=folder,
        env=env,
        stdin=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _watch(process: subprocess.Popen, host: int) -> int | None:
    """Wait for `process` to end (return its code) or for the host to hang up (return None)."""
    pidfd = os.pidfd_open(process.pid)
    try:
        while True:
            ready, _, _ = select.select([pidfd, host], [], [])
            if pidfd in ready:
                return process.wait()
            with contextlib.suppress(OSError):
                if os.read(host, 65536):
                    continue
            with contextlib.suppress(OSError):  # the host is done with this run
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            return None
    finally:
        os.close(pidfd)


def run_service(files: dict[str, str], spec: dict, workdir: Path) -> int:
    """Write the files, run `build`, then `start`; return the agent's exit status.

    The agent returns (and its container ends) when the build fails or the service exits: the
    host sees the container end and tells the tester to stop waiting for the service.
    """
    source = workdir / "src"
    source.mkdir(parents=True, exist_ok=True)
    write_tree(source, files)
    host = os.dup(0)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    # The image's environment (a toolchain's PATH, JAVA_HOME...) plus the run's addresses.
    env = dict(os.environ)
    env.update({str(k): str(v) for k, v in (spec.get("env") or {}).items()})
    for stage in ("build", "start"):
        command = str(spec.get(stage) or "")
        if not command:
            continue
        _say(f"== {stage}: {command}")
        code = _watch(_shell(command, source, env), host)
        if code is None:
            return 0
        if stage == "build":
            _say(f"== build {_describe(code)}")
            if code == 0:
                continue
        else:
            _say(f"== service {_describe(code)}")
        return code if code >= 0 else 128 - code
    return 0


def _probe(port: int, path: str, timeout: float) -> int | None:
    """Return the status of one GET, or None when nothing answered."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Connection": "close"})
        return connection.getresponse().status
    except (OSError, http.client.HTTPException, ValueError):
        return None
    finally:
        connection.close()


class HostLine:
    """The host's messages on stdin after the request (the line may already be buffered)."""

    def __init__(self, fd: int, pending: bytes = b"") -> None:
        self.fd = fd
        self.pending = bytearray(pending)
        self.closed = False

    def wait(self, timeout: float) -> str | None:
        """Return why to stop waiting (the candidate's container ended), or None after `timeout`."""
        if GONE not in self.pending and not self.closed:
            ready, _, _ = select.select([self.fd], [], [], timeout)
            if ready:
                chunk = os.read(self.fd, 4096)
                self.closed = not chunk
                self.pending.extend(chunk)
        if self.closed:
            return "the host ended the run"
        line = next((x for x in bytes(self.pending).split(b"\n") if x.startswith(GONE)), None)
        if line is None:
            return None
        code = line[len(GONE) :].decode("ascii", "replace").strip() or "?"
        return f"the candidate's container ended (exit code {code})"


def wait_ready(port: int, path: str, startup_s: float, host: HostLine) -> dict:
    """Poll GET `path` until it answers below 500; return the record's `service` entry."""
    started = time.monotonic()
    deadline = started + startup_s
    reason = f"nothing listened on port {port}"
    while (left := deadline - time.monotonic()) > 0:
        status = _probe(port, path, min(PROBE_TIMEOUT_S, left))
        if status is not None and status < 500:
            return {"ready": True, "waited_s": round(time.monotonic() - started, 3)}
        if status is not None:
            reason = f"it answered with status {status}"
        gone = host.wait(min(PAUSE_S, max(deadline - time.monotonic(), 0)))
        if gone:
            reason = gone
            break
    return {"ready": False, "waited_s": round(time.monotonic() - started, 3), "reason": reason}
