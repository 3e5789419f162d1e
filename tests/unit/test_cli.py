import os
import signal
import socket
import subprocess
import sys
import time

from assessor.cli import cli


def test_help_lists_every_command(runner):
    result = runner.invoke(cli, ["--help"])
    assert result.exit_code == 0
    for name in ("db", "demo", "run", "users"):
        assert name in result.output
    assert "--app" not in result.output


def test_run_stops_its_embedded_worker_on_sigterm(tmp_path):
    """`assessor run` must not leave its worker behind when a service manager stops it."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "ASSESSOR_INSTANCE": str(tmp_path), "SANDBOX_BACKEND": "fake"}
    env.pop("DATABASE_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "assessor", "run", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        assert "embedded worker (pid" in line, line
        worker_pid = int(line.split("(pid ")[1].rstrip(")\n"))
        time.sleep(1)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                os.kill(worker_pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.2)
        else:
            raise AssertionError("the embedded worker outlived `assessor run`")
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
