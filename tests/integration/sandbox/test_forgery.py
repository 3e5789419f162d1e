"""Attempts to forge a score, on the real engine: each ends with the honest score and status.

The solution under attack implements nothing (every method raises NotImplementedError), so its
honest score is 0. Each attack below once turned such a solution into a full score while the
candidate's code shared the test process; now it runs in its own container and reaches nothing
that decides outcomes. `host_guard` also checks that no container is left behind.
"""

from __future__ import annotations

import secrets
import textwrap

import pytest

import sandbox
from tests.unit.sandbox.samples import EXPECTED, make_job

pytestmark = [pytest.mark.docker, pytest.mark.usefixtures("host_guard")]

STATUS = sandbox.RunStatus
NOTHING = """
class TokenBucket:
    def __init__(self, capacity):
        raise NotImplementedError

    def allow(self):
        raise NotImplementedError
"""


def score(result: sandbox.Result) -> float:
    return sum((t.points or 1) for t in result.tests if t.outcome is sandbox.Outcome.PASSED)


def forged(attack: str, body: str = NOTHING, **job: object) -> sandbox.Job:
    return make_job({"limiter.py": textwrap.dedent(attack) + "\n" + body}, **job)


def test_replacing_the_deciding_objects_found_through_gc(docker_backend):
    result = docker_backend.run(
        forged(
            """
            import gc
            for obj in gc.get_objects():
                if type(obj).__name__ in ("HarnessPlugin", "Ledger", "Supervisor", "Peer",
                                          "TesterPolicy", "CandidatePolicy", "Codec"):
                    for name in ("decide", "_decide", "final_tests", "check_op", "request"):
                        try:
                            setattr(obj, name, lambda *args, **kwargs: ("passed", ""))
                        except Exception:
                            pass
            """
        )
    )
    assert score(result) == 0 and result.status is STATUS.COMPLETED
    assert "gc_access" in {f.code for f in result.flags}


def test_patching_the_harness_classes_and_restoring_them(docker_backend):
    result = docker_backend.run(
        forged(
            """
            import importlib
            plugin = importlib.import_module("sandbox_harness.plugin")
            original = plugin.decide
            plugin.decide = lambda reports: ("passed", "")
            plugin.HarnessPlugin.pytest_runtest_logreport = lambda self, report: None
            supervisor = importlib.import_module("sandbox_harness.supervisor")
            supervisor.Supervisor.timed_out = False
            """
        )
    )
    assert score(result) == 0 and result.status is STATUS.COMPLETED


def test_rewiring_descriptors_and_writing_an_all_passed_stream(docker_backend):
    attack = f"""
    import json, os
    events = [{{"e": "result", "id": i, "outcome": "passed", "duration_s": 0, "message": ""}}
              for i in {list(EXPECTED)!r}]
    stream = "".join(json.dumps(e) + "\\n" for e in events).encode()
    for fd in range(0, 256):
        try:
            os.write(fd, stream)
        except OSError:
            pass
    devnull = os.open(os.devnull, os.O_WRONLY)
    for fd in range(3, 256):
        if fd != devnull:
            try:
                os.dup2(devnull, fd)
            except OSError:
                pass
    """
    result = docker_backend.run(forged(attack))
    # Its own connection to the tests is one of the descriptors it replaced.
    assert score(result) == 0 and result.status is STATUS.CRASHED
    assert "the candidate's process ended during collection" in result.detail


def test_a_transient_trace_function_moving_line_numbers(docker_backend):
    result = docker_backend.run(
        forged(
            """
            import sys, threading

            def tracer(frame, event, arg):
                if frame.f_code.co_name in ("decide", "_decide", "_call_outcome", "final_tests"):
                    try:
                        frame.f_lineno = frame.f_code.co_firstlineno + 1
                    except Exception:
                        pass
                return tracer

            sys.settrace(tracer)
            threading.settrace(tracer)
            """
        )
    )
    assert score(result) == 0 and result.status is STATUS.COMPLETED
    assert "trace_hooks" in {f.code for f in result.flags}


def test_a_ctypes_write_of_an_exceptions_type(docker_backend):
    body = NOTHING.replace(
        "    def allow(self):\n        raise NotImplementedError",
        "    def allow(self):\n        raise _skipped()",
    ).replace("raise NotImplementedError", "raise _skipped()", 1)
    attack = """
    import ctypes
    from _pytest.outcomes import Skipped

    def _skipped():
        error = NotImplementedError("nothing here")
        ctypes.c_void_p.from_address(id(error) + 8).value = id(Skipped)  # ob_type := Skipped
        return error
    """
    result = docker_backend.run(forged(attack, body))
    assert score(result) == 0 and result.status is STATUS.COMPLETED
    assert {str(t.outcome) for t in result.tests} == {"failed"}  # not skipped, not passed
    assert "ctypes" in {f.code for f in result.flags}


def test_walking_the_whole_file_system_finds_no_hidden_test(docker_backend):
    token = f"SECRET-{secrets.token_hex(16)}"
    hidden = textwrap.dedent(
        f"""
        from limiter import reveal

        def test_the_candidate_read_the_hidden_tests():
            found, files = reveal()
            assert files > 1000  # the walk really happened
            assert found == "{token}"
        """
    )
    attack = r"""
    import os, re

    def reveal():
        pattern = re.compile(rb"SECRET-[0-9a-f]{32}")
        files = 0
        for root, dirs, names in os.walk("/", followlinks=False):
            if root in ("/proc", "/sys", "/dev"):
                dirs[:] = []
                continue
            for name in names:
                try:
                    with open(os.path.join(root, name), "rb") as handle:
                        data = handle.read(4 * 1024 * 1024)
                except OSError:
                    continue
                files += 1
                match = pattern.search(data)
                if match:
                    return match.group().decode(), files
        for pid in os.listdir("/proc"):
            for part in ("cmdline", "environ"):
                try:
                    with open(f"/proc/{pid}/{part}", "rb") as handle:
                        match = pattern.search(handle.read())
                except OSError:
                    continue
                if match:
                    return match.group().decode(), files
        return "", files
    """
    job = forged(
        attack,
        tests={"hidden/test_steal.py": hidden},
        expected=("hidden/test_steal.py::test_the_candidate_read_the_hidden_tests",),
    )
    result = docker_backend.run(job)
    (outcome,) = result.tests
    assert outcome.outcome is sandbox.Outcome.FAILED
    assert "assert '' ==" in outcome.message  # it walked every file, and found nothing
    assert result.status is STATUS.COMPLETED


def test_always_equal_objects_pass_no_equality_assert(docker_backend):
    attack = """
    class _Anything:
        def __eq__(self, other):
            return True
        def __ne__(self, other):
            return False
        def __hash__(self):
            return 0
        def __bool__(self):
            return True
    """
    body = "class TokenBucket:\n    def __init__(self, capacity):\n        pass\n"
    body += "    def allow(self):\n        return _Anything()\n"
    result = docker_backend.run(forged(attack, body))
    assert score(result) == 2  # `assert bucket.allow() and bucket.allow()`: any truthy value
    assert {t.id for t in result.tests if t.outcome is sandbox.Outcome.PASSED} == {EXPECTED[0]}
    assert "always_equal" in {f.code for f in result.flags}


def test_forged_frames_on_its_own_connection_end_the_run(docker_backend):
    attack = """
    import os, socket, struct
    for fd in range(3, 64):
        try:
            sock = socket.socket(fileno=os.dup(fd))
        except OSError:
            continue
        if sock.family == socket.AF_UNIX:
            # A reply claiming success for every request the tests might be waiting on.
            for seq in range(1, 50):
                body = bytes([0x94, 0x01, seq, 0x01, 0xc3])  # [OK, seq, 1, True]
                sock.send(struct.pack(">I", len(body)) + body)
    """
    body = NOTHING.replace("    def allow(self):\n        raise NotImplementedError", "")
    result = docker_backend.run(forged(attack, body))
    assert score(result) == 0 and result.status is STATUS.CRASHED
    assert "broke the protocol" in result.detail
    assert "candidate_protocol" in {f.code for f in result.flags}


@pytest.mark.parametrize(
    "inside, status",
    [
        ("import os\n        os._exit(7)", STATUS.CRASHED),
        ("import time\n        time.sleep(600)", STATUS.TIMED_OUT),
        (
            "import sys\n        while True:\n            sys.stdout.write('x' * 65536)",
            STATUS.OUTPUT_EXCEEDED,
        ),
    ],
    ids=["crash", "hang", "flood"],
)
def test_crashing_hanging_or_flooding_inside_a_call(docker_backend, inside, status):
    body = (
        "class TokenBucket:\n    def __init__(self, capacity):\n        self.tokens = capacity\n"
        "    def allow(self):\n        if self.tokens == 3:\n"
        f"            {inside.replace(chr(10) + '        ', chr(10) + '            ')}\n"
        "        if self.tokens <= 0:\n            return False\n"
        "        self.tokens -= 1\n        return True\n"
    )
    result = docker_backend.run(make_job({"limiter.py": body}, limits=sandbox.Limits(wall_s=4)))
    assert result.status is status
    outcomes = {t.id: str(t.outcome) for t in result.tests}
    assert outcomes[EXPECTED[2]] == "passed"  # hidden/ runs first; capacity 0 is fine
    assert outcomes[EXPECTED[3]] != "passed"  # the call that crashed, hung or flooded
    if status is STATUS.CRASHED:
        assert "exit code 7" in result.detail
