"""A backend that runs the real harness in local subprocesses, WITHOUT ANY ISOLATION.

UNSAFE FOR UNTRUSTED CODE: the candidate's code runs as the worker's user, with its network,
files and environment. It exists for fast tests of the layers above and for machines without
Docker; it gives real outcomes for real solutions, or scripted results through `script`. Like
the Docker backend it runs two processes, the tester and the candidate's agent, joined by an
abstract Unix socket with a per-run name. A service job's service listens on the host's own
loopback (its port must be free there); datastores are refused: only the Docker backend has them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from .backend import Backend, Check
from .errors import InfrastructureError, InvalidJob
from .model import Job, Result
from .output import OutputCollector
from .verdict import CandidateObservation, Observation, build_result
from .wire import agent_request, new_agent_name, new_nonce, request_line

HARNESS_DIR = Path(__file__).resolve().parent / "harness"
BOOT = (
    "import sys, runpy\n"
    "sys.path.insert(0, sys.argv.pop(1))\n"
    "runpy.run_module('sandbox_harness', run_name='__main__', alter_sys=True)\n"
)
GRACE_S = 5.0


_PORTS: dict[int, threading.Lock] = {}
_PORTS_LOCK = threading.Lock()


def _port_lock(port: int) -> threading.Lock:
    """Return the lock that serialises this process's service runs on `port`."""
    with _PORTS_LOCK:
        return _PORTS.setdefault(port, threading.Lock())


PORT_FREE_WAIT_S = 5.0  # the previous run's service may still be ending


def _check_port_free(port: int) -> None:
    """Refuse to run when something else listens on the port: its answers would be graded."""
    deadline = time.monotonic() + PORT_FREE_WAIT_S
    while True:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) != 0:
                return
        if time.monotonic() >= deadline:
            raise InfrastructureError(
                f"port {port} is taken on this host; the fake backend runs services on the "
                "host's own loopback (the docker backend gives each run its own)"
            )
        time.sleep(0.05)


class FakeBackend(Backend):
    """Run jobs with the real harness on the host, or return `script(job)`.

    UNSAFE: there is no isolation at all; never give it untrusted code. `script` (Job -> Result)
    returns scripted results for unit tests of the layers above.
    """

    name = "fake"

    def __init__(
        self, script: Callable[[Job], Result] | None = None, python: str | None = None
    ) -> None:
        self.script = script
        self.python = python or sys.executable

    def check(self) -> list[Check]:
        """Report that the fake backend works but isolates nothing."""
        return [
            Check("backend", True, "fake backend: runs tests on the host WITHOUT isolation"),
            Check("python", os.access(self.python, os.X_OK), self.python),
        ]

    def run(self, job: Job) -> Result:
        """Run `job` in local subprocesses, or return the scripted result."""
        if self.script is not None:
            return self.script(job)
        if job.service is None:
            return self._run(job)
        if job.service.datastores:
            raise InvalidJob("the fake backend runs no datastores: use the docker backend")
        # Services listen on the host's one loopback: two runs on a port would test each other's.
        with _port_lock(job.service.port):
            _check_port_free(job.service.port)
            return self._run(job)

    def _run(self, job: Job) -> Result:
        with tempfile.TemporaryDirectory(prefix="sandbox-fake-") as tmp:
            lib = Path(tmp, "lib")
            shutil.copytree(HARNESS_DIR, lib / "sandbox_harness", ignore=_no_cache)
            nonce, agent = new_nonce(), new_agent_name()
            tester_line = request_line(job, nonce, agent=agent)
            agent_line = agent_request(job, agent=agent, workdir=str(Path(tmp, "work")))
            candidate = _Process(self._start(lib, tmp, ["agent"]), job.limits.output_kb, None)
            candidate.graceful = job.service is not None
            candidate.send(agent_line)
            try:
                return build_result(
                    job, nonce, self._execute(job, lib, tmp, nonce, tester_line, candidate)
                )
            finally:
                candidate.stop()

    def _start(self, lib: Path, tmp: str, args: list[str]) -> subprocess.Popen:
        return subprocess.Popen(
            [self.python, "-I", "-B", "-c", BOOT, str(lib), *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "HOME": tmp},
            cwd=tmp,
            start_new_session=True,
        )

    def _execute(
        self, job: Job, lib: Path, tmp: str, nonce: str, line: bytes, candidate: _Process
    ) -> Observation:
        workdir = ["--workdir", str(Path(tmp, "job"))]
        tester = _Process(self._start(lib, tmp, workdir), job.limits.output_kb, nonce)
        started = time.monotonic()
        tester.send(line)
        deadline = started + job.limits.wall_s + GRACE_S
        told = job.service is None
        if job.service is not None:
            deadline += job.service.startup_s
        # Woken by the record, the end of stdout or the output cap; a flooding candidate is
        # killed at once, so the tests see it gone instead of waiting on it.
        while not tester.collector.done.wait(
            timeout=min(0.05, max(deadline - time.monotonic(), 0))
        ):
            if candidate.collector.exceeded:
                candidate.stop()
            if not told and candidate.proc.poll() is not None:
                # The service's build failed or it exited: the tester stops waiting for it.
                told = True
                with contextlib.suppress(OSError):
                    tester.send(f"candidate-exited {candidate.proc.returncode}\n".encode())
            if time.monotonic() >= deadline:
                break
        deadline_hit = not tester.collector.done.is_set()
        if not deadline_hit and not tester.collector.exceeded:
            try:
                tester.proc.wait(timeout=max(deadline - time.monotonic(), 0))
            except subprocess.TimeoutExpired:
                deadline_hit = True
        tester.stop()
        candidate.stop()
        return Observation(
            stdout=bytes(tester.collector.stdout),
            stderr=bytes(tester.collector.stderr),
            duration_s=time.monotonic() - started,
            exit_code=tester.proc.returncode,
            deadline_hit=deadline_hit,
            output_exceeded=tester.collector.exceeded,
            candidate=CandidateObservation(
                output=bytes(candidate.collector.stdout) + bytes(candidate.collector.stderr),
                exit_code=candidate.proc.returncode,
                output_exceeded=candidate.collector.exceeded,
            ),
        )


class _Process:
    """One local subprocess with its output pumped into a capped collector."""

    def __init__(self, proc: subprocess.Popen, output_kb: int, nonce: str | None) -> None:
        self.proc = proc
        self.stopped = False
        self.graceful = False
        self.collector = OutputCollector(output_kb, nonce)
        self.readers = [
            threading.Thread(target=_pump, args=(proc.stdout, 1, self.collector), daemon=True),
            threading.Thread(target=_pump, args=(proc.stderr, 2, self.collector), daemon=True),
        ]
        for reader in self.readers:
            reader.start()

    def send(self, line: bytes) -> None:
        self.proc.stdin.write(line)
        self.proc.stdin.flush()

    def stop(self) -> None:
        if self.stopped:
            return
        self.stopped = True
        if self.graceful:
            # A service runs in its own session, out of the agent's group: the agent ends it
            # when its stdin closes, which SIGKILL would not give it the chance to do.
            with contextlib.suppress(OSError):
                self.proc.stdin.close()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=GRACE_S)
        _kill_group(self.proc)
        for reader in self.readers:
            reader.join(timeout=GRACE_S)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            with contextlib.suppress(OSError):
                stream.close()


def _no_cache(directory: str, names: list[str]) -> list[str]:
    return [n for n in names if n == "__pycache__"]


def _kill_group(proc: subprocess.Popen) -> None:
    with contextlib.suppress(OSError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def _pump(stream, number: int, collector: OutputCollector) -> None:
    """Copy one pipe into the collector; past the cap, stop reading so the writer blocks."""
    try:
        while chunk := stream.read1(65536):
            if not collector.feed(number, chunk):
                return
    finally:
        if number == 1:
            collector.close()
