"""The trusted supervisor: read the job and nonce, run pytest in a child, print one framed record.

It runs in the tester's container, which holds the tests and never the candidate's code; the
pytest child reaches that code only through the bridge to the candidate's own container. The
supervisor alone holds the nonce: the child is started without it (stdin is /dev/null, the
environment is rebuilt), so nothing the candidate's data makes pytest print can forge a record.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import selectors
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from .frame import encode_record
from .ledger import Ledger, cap
from .service import HostLine, wait_ready
from .workspace import freeze_tree, read_oom_counters, write_tree

PROTOCOL_VERSION = 2
WORKDIR = "/tmp/job"  # noqa: S108 - inside the container, on its private tmpfs
MAX_REQUEST_BYTES = 64 * 1024 * 1024
MAX_EVENT_LINE = 8 * 1024 * 1024
PR_SET_DUMPABLE = 4
CHILD_BOOT = (
    "import sys, importlib\n"
    "sys.argv[1] in sys.path or sys.path.append(sys.argv[1])\n"
    "child = importlib.import_module(sys.argv[2] + '.child')\n"
    "raise SystemExit(child.main(sys.argv[3:]))\n"
)


def make_undumpable() -> bool:
    """Forbid same-uid processes to ptrace us or read our memory; return whether it worked."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


class Child:
    """The pytest process, started before the job: it imports pytest, then waits for its job."""

    def __init__(self, workdir: Path) -> None:
        for name in ("tests", "tmp", "home", "run"):
            (workdir / name).mkdir(parents=True, exist_ok=True)
        self.events, events_w = os.pipe()
        args_r, self.args = os.pipe()
        package = __package__ or "sandbox_harness"
        libdir = str(Path(__file__).resolve().parent.parent)
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-I",
                "-B",
                "-c",
                CHILD_BOOT,
                libdir,
                package,
                "--events-fd",
                str(events_w),
                "--args-fd",
                str(args_r),
                "--workdir",
                str(workdir),
            ],
            stdin=subprocess.DEVNULL,
            pass_fds=(events_w, args_r),
            env=child_env(workdir),
            # A writable scratch folder: code that opens relative paths ("app.db") works, and
            # never lands in the tests folder.
            cwd=workdir / "run",
            start_new_session=True,
        )
        os.close(events_w)
        os.close(args_r)

    def start(self, job: dict) -> None:
        """Hand over the job's arguments (never the nonce): the child starts pytest."""
        _write_all(self.args, json.dumps(job).encode() + b"\n")
        os.close(self.args)

    def discard(self) -> None:
        """End a child that will never get a job (the container is drained)."""
        os.close(self.args)
        os.close(self.events)
        self.process.wait()


def child_env(workdir: Path) -> dict[str, str]:
    """Return a clean environment: nothing of the worker's environment reaches tests."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(workdir / "home"),
        "TMPDIR": str(workdir / "tmp"),
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        # Stops third-party pytest plugins from loading: each could alter reporting.
        "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
    }


class Supervisor:
    """Run one job's tests in the child process and collect what it reports."""

    def __init__(self, request: dict, workdir: Path) -> None:
        self.nonce: str = request["nonce"]
        job = request["job"]
        options = request.get("options", {})
        self.tests: dict[str, str] = job["tests"]
        self.modules: list[str] = [str(m) for m in job.get("modules", [])]
        self.agent = str(options.get("agent", "assessor-agent"))
        self.connect_timeout_s = float(options.get("connect_timeout_s", 10.0))
        self.select: list[str] = list(job.get("select", []))
        self.wall_s = float(options.get("wall_s", 30.0))
        self.workdir = workdir
        # Killing every process we may signal is only safe inside a fresh PID namespace.
        self.reap_all = options.get("reap") == "namespace" and os.getppid() == 1
        self.linger_s = float(options.get("linger_s", 0.0))
        # Only a backend that gives each run its own cgroup asks for the OOM counters.
        self.read_cgroup = bool(options.get("cgroup", False))
        self.flags: list[dict] = []
        self.timed_out = False
        # A service run: wait for the candidate's service to answer before any test runs.
        self.service: dict | None = options.get("service")
        self.host = HostLine(0)

    def prepare(self) -> None:
        """Write the tests (read-only) and pytest's empty configuration."""
        write_tree(self.workdir / "tests", self.tests)
        (self.workdir / "pytest.ini").write_text("[pytest]\n")
        freeze_tree(self.workdir / "tests")

    def run(self, child: Child) -> dict:
        """Hand the job to the waiting child, run it to its end (or the deadline), report."""
        self.prepare()
        ledger = Ledger(set(self.tests))
        state = None
        if self.service is not None:
            spec = self.service
            state = wait_ready(
                int(spec["port"]), str(spec["ready"]), float(spec["startup_s"]), self.host
            )
            if not state["ready"]:
                child.discard()
                oom = read_oom_counters() if self.read_cgroup else {}
                return {
                    "version": PROTOCOL_VERSION,
                    "tests": [],
                    "flags": list(self.flags),
                    "oom": oom,
                    "service": state,
                }
        # The tests' time starts once the service answers: its start-up has its own limit.
        started = time.monotonic()
        child.start(
            {
                "agent": self.agent,
                "modules": self.modules,
                "connect_timeout_s": self.connect_timeout_s,
                "select": self.select,
                "service": state is not None,
            }
        )
        self._pump(child.process, child.events, ledger, deadline=started + self.wall_s)
        self._reap(child.process)
        os.close(child.events)
        payload = self._payload(child.process, ledger, time.monotonic() - started)
        return payload if state is None else payload | {"service": state}

    def _pump(self, child: subprocess.Popen, read_fd: int, ledger: Ledger, deadline: float) -> None:
        wake_r, wake_w = os.pipe()
        waiter = threading.Thread(
            target=lambda: (child.wait(), os.write(wake_w, b"x")), daemon=True
        )
        waiter.start()
        os.set_blocking(read_fd, False)
        selector = selectors.DefaultSelector()
        selector.register(read_fd, selectors.EVENT_READ)
        selector.register(wake_r, selectors.EVENT_READ)
        buffer = bytearray()
        exited = False
        while not exited:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.timed_out = True
                self._kill_child(child)
                child.wait()
                break
            for key, _ in selector.select(timeout=remaining):
                if key.fd == wake_r:
                    exited = True
                elif not self._drain(read_fd, buffer, ledger):
                    selector.unregister(read_fd)
        self._drain(read_fd, buffer, ledger)
        if buffer.strip():
            ledger.feed(bytes(buffer))
        selector.close()
        waiter.join(timeout=5)
        os.close(wake_r)
        os.close(wake_w)

    @staticmethod
    def _drain(fd: int, buffer: bytearray, ledger: Ledger) -> bool:
        """Read what is available; return False at end of file."""
        while True:
            try:
                chunk = os.read(fd, 65536)
            except BlockingIOError:
                return True
            if not chunk:
                return False
            buffer.extend(chunk)
            while b"\n" in buffer:
                line, _, rest = bytes(buffer).partition(b"\n")
                buffer[:] = rest
                ledger.feed(line)
            if len(buffer) > MAX_EVENT_LINE:
                ledger.feed(b"<oversized event>")
                buffer.clear()

    def _kill_child(self, child: subprocess.Popen) -> None:
        try:
            os.killpg(child.pid, signal.SIGKILL)
        except OSError:
            child.kill()

    def _reap(self, child: subprocess.Popen) -> None:
        """Kill whatever the tests left behind, so nothing runs on or writes after the record."""
        if not self.reap_all:
            with contextlib.suppress(OSError):
                os.killpg(child.pid, signal.SIGKILL)
            return
        # Every process of the sandbox but init and us, daemons that left the group too. Again
        # until none is left, so a fork racing the first sweep does not survive it.
        for _ in range(20):
            try:
                os.kill(-1, signal.SIGKILL)
            except OSError:  # ESRCH: nothing left (zombies count until init reaps them)
                return
            time.sleep(0.005)

    def _payload(self, child: subprocess.Popen, ledger: Ledger, elapsed: float) -> dict:
        code = child.returncode
        signal_number = -code if code is not None and code < 0 else None
        if self.timed_out:
            ending = f"the run exceeded its time limit of {self.wall_s:g} s"
        elif signal_number is not None:
            ending = f"the test process was killed by signal {signal_number}"
        elif ledger.finished is None:
            ending = f"the test process exited with code {code} before the session finished"
        else:
            ending = None
        flags = list(self.flags)
        for message in ledger.violations:
            flags.append({"code": "forged_events", "message": message, "path": None, "line": None})
        for message in ledger.candidate.get("violations", []):
            flags.append(
                {"code": "candidate_protocol", "message": message, "path": None, "line": None}
            )
        return {
            "version": PROTOCOL_VERSION,
            "tests": ledger.final_tests(ending),
            "collection_errors": ledger.collection_errors,
            "child": {
                "exit_code": code if signal_number is None else None,
                "signal": signal_number,
                "pytest_exit": ledger.finished,
                "finished": ledger.finished is not None and not self.timed_out,
                "timed_out": self.timed_out,
                "ending": ending,
                "elapsed_s": round(elapsed, 6),
            },
            "candidate": ledger.candidate,
            "flags": flags,
            "oom": read_oom_counters() if self.read_cgroup else {},
        }


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def read_line(fd: int, limit: int) -> tuple[bytes, bytes]:
    """Read one line from `fd` unbuffered; return it and the bytes read past it.

    What follows the request is the host's (a service run's "the candidate's container
    ended"), so no buffer may swallow it.
    """
    data = bytearray()
    while len(data) <= limit:
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        data.extend(chunk)
        if b"\n" in chunk:
            break
    line, newline, rest = bytes(data).partition(b"\n")
    return line + newline, rest


def _linger(seconds: float) -> None:
    """Stay alive until the host has read the cgroup counters and closes or removes us."""
    if seconds <= 0:
        return
    selector = selectors.DefaultSelector()
    selector.register(0, selectors.EVENT_READ)
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        if selector.select(timeout=left) and not os.read(0, 65536):
            return


def main(argv: list[str] | None = None) -> int:
    """Warm up, run one job from stdin and print its framed record on stdout.

    The pytest child starts first, so a container started ahead of time (a pool) has paid for
    both interpreters and pytest's import when its job arrives.
    """
    dumpable_off = make_undumpable()
    argv = sys.argv[1:] if argv is None else argv
    workdir = Path(argv[argv.index("--workdir") + 1] if "--workdir" in argv else WORKDIR)
    child = Child(workdir)
    line, rest = read_line(0, MAX_REQUEST_BYTES)
    if not line:
        child.discard()  # drained: no job ever came
        return 0
    try:
        request = json.loads(line)
        supervisor = Supervisor(request, workdir)
        supervisor.host = HostLine(0, rest)
    except (ValueError, KeyError, TypeError) as exc:
        print(f"sandbox harness: unreadable request: {exc!r}", file=sys.stderr)
        child.discard()
        return 2
    if not dumpable_off:
        supervisor.flags.append(
            {
                "code": "harness_degraded",
                "message": "could not make the supervisor non-dumpable",
                "path": None,
                "line": None,
            }
        )
    try:
        payload = supervisor.run(child)
    except Exception as exc:  # reported in the record, so the host can explain the crash
        payload = {"version": PROTOCOL_VERSION, "harness_error": cap(repr(exc))}
    _write_all(1, encode_record(supervisor.nonce, payload))
    _linger(supervisor.linger_s)
    return 0
