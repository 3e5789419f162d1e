"""One test per attack on the containers, on the real engine: verdict, outcomes, a clean host.

The attacks run as the candidate's code, in the candidate's container. Every test also runs
`host_guard`: no sandbox container is left (by label), no process of the sandbox uid survives on
the host, a host file is unchanged, and the host can still fork and allocate memory. Attempts to
forge the grading itself live in test_forgery.py.
"""

from __future__ import annotations

import socket
import textwrap

import pytest

import sandbox
from tests.unit.sandbox.samples import EXPECTED, LIMITER, make_job

pytestmark = [pytest.mark.docker, pytest.mark.usefixtures("host_guard")]

PASSED = sandbox.Outcome.PASSED
STATUS = sandbox.RunStatus


def attack(solution: str, tests: str, **limits: float) -> sandbox.Job:
    """Return a job whose candidate file is `attack.py` and whose suite is one hidden module."""
    tests = textwrap.dedent(tests)
    names = [
        line.split("(")[0].removeprefix("def ")
        for line in tests.splitlines()
        if line.startswith("def test_")
    ]
    return sandbox.Job(
        files={"attack.py": textwrap.dedent(solution)},
        tests={"hidden/test_attack.py": tests},
        expected=tuple(f"hidden/test_attack.py::{name}" for name in names),
        limits=sandbox.Limits(**{"wall_s": 30.0, **limits}),
    )


def outcomes(result: sandbox.Result) -> dict[str, str]:
    return {t.id.split("::", 1)[1]: str(t.outcome) for t in result.tests}


def codes(result: sandbox.Result) -> set[str]:
    return {f.code for f in result.flags}


def test_fork_bomb_is_stopped_by_the_pids_limit(docker_backend):
    job = attack(
        """
        import os

        def bomb():
            while True:
                try:
                    os.fork()
                except OSError:
                    pass
        """,
        """
        from attack import bomb

        def test_bomb():
            bomb()
        """,
        wall_s=5,
        pids=32,
    )
    result = docker_backend.run(job)
    assert result.status is STATUS.TIMED_OUT
    assert outcomes(result) == {"test_bomb": "error"}


def test_memory_bomb_is_killed_and_reported(docker_backend):
    job = attack(
        """
        def bomb():
            hoard = []
            while True:
                hoard.append(bytearray(8 * 1024 * 1024))
        """,
        """
        from attack import bomb

        def test_fine():
            assert True

        def test_bomb():
            bomb()
        """,
        memory_mb=96,
    )
    result = docker_backend.run(job)
    assert result.status is STATUS.MEMORY_EXCEEDED
    assert "the candidate's code hit the 96 MB limit" in result.detail
    assert "out-of-memory killer" in result.detail
    assert outcomes(result) == {"test_fine": "passed", "test_bomb": "failed"}


def test_cpu_loop_is_killed_at_the_deadline(docker_backend):
    job = attack(
        """
        def spin():
            while True:
                pass
        """,
        """
        from attack import spin

        def test_spin():
            spin()
        """,
        wall_s=3,
        cpus=0.5,
    )
    result = docker_backend.run(job)
    assert result.status is STATUS.TIMED_OUT
    assert outcomes(result) == {"test_spin": "error"}


def test_sleeping_past_the_deadline_keeps_earlier_results(docker_backend):
    sleeper = LIMITER.replace(
        "        self.tokens -= 1",
        "        import time\n        time.sleep(600) if self.tokens == 3 else None\n"
        "        self.tokens -= 1",
    )
    result = docker_backend.run(make_job({"limiter.py": sleeper}, limits=sandbox.Limits(wall_s=3)))
    assert result.status is STATUS.TIMED_OUT
    by_id = {t.id: t for t in result.tests}
    assert by_id[EXPECTED[2]].outcome is PASSED  # hidden/ runs first; capacity 0 never sleeps
    assert by_id[EXPECTED[3]].outcome is sandbox.Outcome.ERROR
    assert "time limit" in by_id[EXPECTED[3]].message


def test_output_flood_is_cut_at_the_cap(docker_backend):
    job = attack(
        """
        import sys

        def flood():
            while True:
                sys.stdout.write("spam " * 10000)
        """,
        """
        from attack import flood

        def test_flood():
            flood()
        """,
        output_kb=64,
    )
    result = docker_backend.run(job)
    assert result.status is STATUS.OUTPUT_EXCEEDED
    assert "the candidate's code wrote more than 64 KB" in result.detail
    # The host killed the flooding container: the test ended at once instead of at the deadline.
    assert outcomes(result) == {"test_flood": "failed"}
    assert result.duration_s < 25
    assert len(result.candidate_tail) <= sandbox.model.TAIL_LIMIT


def test_filling_the_scratch_disk_hits_its_size(docker_backend):
    job = attack(
        """
        import errno

        def fill():
            chunk = b"x" * (1024 * 1024)
            try:
                for index in range(1000):
                    with open(f"/tmp/fill-{index}", "wb") as handle:
                        handle.write(chunk * 2)
            except OSError as exc:
                return exc.errno
        """,
        """
        import errno
        from attack import fill

        def test_scratch_is_bounded():
            assert fill() == errno.ENOSPC
        """,
        scratch_mb=16,
    )
    result = docker_backend.run(job)
    assert result.status is STATUS.COMPLETED
    assert outcomes(result) == {"test_scratch_is_bounded": "passed"}


def test_one_huge_file_hits_the_file_size_limit(docker_backend):
    job = attack(
        """
        def grow():
            try:
                with open("/tmp/huge", "wb") as handle:
                    for _ in range(64):
                        handle.write(b"x" * (1024 * 1024))
            except OSError as exc:
                return exc.errno
        """,
        """
        import errno
        from attack import grow

        def test_file_is_bounded():
            assert grow() == errno.EFBIG
        """,
        file_mb=4,
        scratch_mb=128,
    )
    result = docker_backend.run(job)
    assert outcomes(result) == {"test_file_is_bounded": "passed"}


def test_no_network_not_even_the_hosts_loopback(docker_backend):
    probe = """
    import socket

    def interfaces():
        return [name for _, name in socket.if_nameindex()]

    def reach_host(port):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=3).close()
            return "connected"
        except OSError as exc:
            return type(exc).__name__
    """
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        listener.setblocking(False)
        port = listener.getsockname()[1]
        # The same probe runs as the candidate's code and inside the tests (the tester's
        # container): neither has an interface but loopback, nor reaches the host's.
        job = attack(
            probe,
            textwrap.dedent(probe).replace("def ", "def local_")
            + textwrap.dedent(
                f"""
                from attack import interfaces, reach_host

                def test_only_loopback():
                    assert interfaces() == ["lo"] and local_interfaces() == ["lo"]

                def test_host_unreachable():
                    assert reach_host({port}) == "ConnectionRefusedError"
                    assert local_reach_host({port}) == "ConnectionRefusedError"
                """
            ),
        )
        result = docker_backend.run(job)
        with pytest.raises(BlockingIOError):
            listener.accept()  # nothing ever connected to the host's listener
    assert outcomes(result) == {"test_only_loopback": "passed", "test_host_unreachable": "passed"}


def test_secrets_of_the_host_are_out_of_reach(docker_backend, monkeypatch):
    monkeypatch.setenv("ASSESSOR_SANDBOX_SECRET", "zx81-secret-4471")
    job = attack(
        """
        import glob
        import os

        def environment_leaks():
            found = [k for k, v in os.environ.items() if "zx81-secret" in k + v]
            for path in glob.glob("/proc/*/environ"):
                try:
                    with open(path, "rb") as handle:
                        if b"zx81-secret" in handle.read():
                            found.append(path)
                except OSError:
                    pass
            return found

        def host_paths():
            return [p for p in ("/var/run/docker.sock", "/run/docker.sock", "/work", "/root/.cache",
                                "/etc/shadow-", "/proc/1/root/work") if os.path.exists(p)]

        def readable_shadow():
            try:
                with open("/etc/shadow") as handle:
                    return handle.read()
            except OSError:
                return None
        """,
        """
        import os
        from attack import environment_leaks, host_paths, readable_shadow

        def test_no_canary_in_any_environment():
            assert environment_leaks() == []

        def test_no_host_files_or_engine_socket():
            assert host_paths() == []

        def test_shadow_unreadable():
            assert readable_shadow() is None

        def test_environment_is_the_images_own():
            assert "ASSESSOR_SANDBOX_SECRET" not in os.environ
            assert os.environ["HOME"].startswith("/tmp")
        """,
    )
    result = docker_backend.run(job)
    assert outcomes(result) == dict.fromkeys(
        [
            "test_no_canary_in_any_environment",
            "test_no_host_files_or_engine_socket",
            "test_shadow_unreadable",
            "test_environment_is_the_images_own",
        ],
        "passed",
    )


def test_nothing_outside_scratch_is_writable(docker_backend):
    job = attack(
        """
        import os

        TARGETS = [
            "/escape", "/etc/passwd", "/usr/bin/python3", "/home/escape",
            "/usr/local/lib/python3.11/dist-packages/sandbox_harness/supervisor.py",
            "/usr/local/lib/python3.11/dist-packages/pytest/__init__.py", "/var/tmp/escape",
            "/dev/shm/../escape",
        ]

        def writable():
            hits = []
            for path in TARGETS:
                try:
                    with open(path, "a") as handle:
                        handle.write("owned")
                    hits.append(path)
                except OSError:
                    pass
            return hits
        """,
        """
        from attack import writable

        def test_only_scratch_is_writable():
            assert writable() == []
        """,
    )
    result = docker_backend.run(job)
    assert outcomes(result) == {"test_only_scratch_is_writable": "passed"}


def test_os_exit_at_import_never_passes(docker_backend):
    result = docker_backend.run(make_job({"limiter.py": "import os\nos._exit(0)\n" + LIMITER}))
    assert result.status is STATUS.CRASHED
    assert all(t.outcome is sandbox.Outcome.FAILED for t in result.tests)
    assert set(result.missing) == set(EXPECTED)
    assert "hard_exit" in codes(result)


def test_sys_exit_at_import_never_passes(docker_backend):
    result = docker_backend.run(make_job({"limiter.py": "import sys\nsys.exit(0)\n" + LIMITER}))
    # As in one process: SystemExit while pytest imports a test module stops the session.
    assert result.status is STATUS.CRASHED
    assert PASSED not in {t.outcome for t in result.tests}
    assert set(result.missing) == set(EXPECTED)


def test_the_tests_processes_are_invisible_and_unkillable(docker_backend):
    job = attack(
        """
        import os
        import signal

        def others():
            seen = []
            for entry in os.listdir("/proc"):
                if entry.isdigit() and int(entry) != os.getpid():
                    try:
                        with open(f"/proc/{entry}/cmdline", "rb") as handle:
                            seen.append(handle.read().replace(b"\\0", b" ").decode())
                    except OSError:
                        pass
            return seen

        def kill_everything():
            try:
                os.kill(-1, signal.SIGKILL)  # every process it may signal, but itself and init
            except ProcessLookupError:  # there is none: the tests run in another container
                return "nobody to kill"
            return "killed some"
        """,
        """
        from attack import kill_everything, others

        def test_no_test_process_in_sight():
            seen = others()  # init and the agent's own threads' process: nothing of the tests
            assert seen and all("sandbox_harness agent" in c for c in seen), seen

        def test_kill_everything():
            assert kill_everything() == "nobody to kill"

        def test_after_the_massacre():
            assert True  # the tests' own process is still alive to run this
        """,
    )
    result = docker_backend.run(job)
    assert result.status is STATUS.COMPLETED
    assert outcomes(result) == dict.fromkeys(
        ["test_no_test_process_in_sight", "test_kill_everything", "test_after_the_massacre"],
        "passed",
    )


def test_background_processes_neither_extend_the_run_nor_survive_it(docker_backend):
    job = attack(
        """
        import os
        import time

        def daemonize():
            if os.fork() == 0:
                os.setsid()
                if os.fork() == 0:
                    os.close(1)
                    time.sleep(600)
                os._exit(0)
            return True
        """,
        """
        from attack import daemonize

        def test_daemon():
            assert daemonize()
        """,
        wall_s=20,
    )
    result = docker_backend.run(job)
    # The daemon sleeps far past wall_s: had it held the run open, this would have timed out.
    assert result.status is STATUS.COMPLETED
    assert outcomes(result) == {"test_daemon": "passed"}
    assert "process_spawn" in codes(result)
