"""A backend that runs the real harness in a local subprocess, WITHOUT ANY ISOLATION.

UNSAFE FOR UNTRUSTED CODE: the candidate's code runs as the worker's user, with its network,
files and environment. It exists for fast tests of the layers above and for machines without
Docker; it gives real outcomes for real solutions, or scripted results through `script`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

from .backend import Backend, Check
from .model import Job, Result
from .output import OutputCollector
from .verdict import Observation, build_result
from .wire import new_nonce, request_line

HARNESS_DIR = Path(__file__).resolve().parent / "harness"
SUPERVISOR_BOOT = (
    "import sys, runpy\n"
    "sys.path.insert(0, sys.argv[1])\n"
    "runpy.run_module('sandbox_harness', run_name='__main__', alter_sys=True)\n"
)
GRACE_S = 5.0


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
        """Run `job` in a local subprocess, or return the scripted result."""
        if self.script is not None:
            return self.script(job)
        with tempfile.TemporaryDirectory(prefix="sandbox-fake-") as tmp:
            lib = Path(tmp, "lib")
            shutil.copytree(HARNESS_DIR, lib / "sandbox_harness", ignore=_no_cache)
            nonce = new_nonce()
            payload = request_line(job, nonce, workdir=str(Path(tmp, "job")))
            return build_result(job, nonce, self._execute(job, lib, tmp, nonce, payload))

    def _execute(self, job: Job, lib: Path, tmp: str, nonce: str, payload: bytes) -> Observation:
        collector = OutputCollector(job.limits.output_kb, nonce)
        started = time.monotonic()
        proc = subprocess.Popen(
            [self.python, "-I", "-B", "-c", SUPERVISOR_BOOT, str(lib)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "HOME": tmp},
            cwd=tmp,
            start_new_session=True,
        )
        readers = [
            threading.Thread(target=_pump, args=(proc.stdout, 1, collector), daemon=True),
            threading.Thread(target=_pump, args=(proc.stderr, 2, collector), daemon=True),
        ]
        for reader in readers:
            reader.start()
        proc.stdin.write(payload)
        proc.stdin.close()
        deadline = started + job.limits.wall_s + GRACE_S
        # Woken by the record, the end of stdout or the output cap: no polling.
        deadline_hit = not collector.done.wait(timeout=deadline - time.monotonic())
        if not deadline_hit and not collector.exceeded:
            try:
                proc.wait(timeout=max(deadline - time.monotonic(), 0))
            except subprocess.TimeoutExpired:
                deadline_hit = True
        _kill_group(proc)
        for reader in readers:
            reader.join(timeout=GRACE_S)
        proc.stdout.close()
        proc.stderr.close()
        return Observation(
            stdout=bytes(collector.stdout),
            stderr=bytes(collector.stderr),
            duration_s=time.monotonic() - started,
            exit_code=proc.returncode,
            deadline_hit=deadline_hit,
            output_exceeded=collector.exceeded,
        )


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
