import os
import signal
import socket
import subprocess
import sys
import time

from sqlalchemy import select

from assessor.cli import cli
from assessor.extensions import db
from assessor.models import Role, User
from tests.factories import make_user, make_version


def test_help_lists_every_command(runner):
    result = runner.invoke(cli, ["--help"])
    assert result.exit_code == 0
    for name in ("db", "demo", "run", "users"):
        assert name in result.output
    assert "--app" not in result.output


def test_users_create_with_password_on_stdin(ctx, runner):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "Root@Example.test",
            "--name",
            "Root",
            "--role",
            "admin",
            "--password-stdin",
        ],
        input="a long and random passphrase\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "root@example.test"))
    assert user.role is Role.ADMIN
    assert user.check_password("a long and random passphrase")


def test_users_create_refuses_weak_password_clearly(ctx, runner):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "a@example.test",
            "--name",
            "A",
            "--role",
            "admin",
            "--password-stdin",
        ],
        input="short\n",
    )
    assert result.exit_code != 0
    assert "at least 12 characters" in result.output
    assert db.session.scalar(select(User)) is None


def test_users_create_generated_password_is_printed_once_and_works(ctx, runner):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "g@example.test",
            "--name",
            "G",
            "--role",
            "interviewer",
            "--generate-password",
        ]
    )
    assert result.exit_code == 0, result.output
    password = result.output.split("Password (shown once): ")[1].strip()
    user = db.session.scalar(select(User).where(User.email == "g@example.test"))
    assert user.check_password(password)


def test_users_list_and_deactivate(ctx, runner):
    make_user(Role.ADMIN, email="boss@example.test")
    make_user(Role.AUTHOR, email="writer@example.test")
    listed = runner.invoke(args=["users", "list"])
    assert "boss@example.test" in listed.output and "writer@example.test" in listed.output
    result = runner.invoke(args=["users", "deactivate", "writer@example.test"])
    assert result.exit_code == 0
    assert "deactivated" in runner.invoke(args=["users", "list"]).output
    missing = runner.invoke(args=["users", "deactivate", "ghost@example.test"])
    assert missing.exit_code != 0 and "no user" in missing.output


def test_demo_prints_logins_and_a_working_candidate_link(ctx, runner, client):
    make_version("token-bucket-rate-limiter")
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "admin@demo.assessor.test" in result.output
    link = next(line for line in result.output.splitlines() if "Candidate link" in line)
    token = link.rsplit("/a/", 1)[1]
    from assessor.services.invitations import attempt_for_token

    assert attempt_for_token(token).candidate_name == "Casey Candidate"
    password = result.output.split("admin@demo.assessor.test  password: ")[1].split()[0]
    response = client.post(
        "/login", data={"email": "admin@demo.assessor.test", "password": password}
    )
    assert response.status_code == 302


def test_demo_twice_rotates_passwords(ctx, runner):
    first = runner.invoke(args=["demo"]).output
    second = runner.invoke(args=["demo"]).output
    assert first.split("password: ")[1].split()[0] != second.split("password: ")[1].split()[0]


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
