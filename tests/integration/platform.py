"""A real platform for integration tests: its own database and queue, and worker processes."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

import sandbox
from assessor import create_app
from assessor.extensions import db
from assessor.models import (
    AttemptStatus,
    ChallengeVersion,
    Submission,
    SubmissionKind,
    utcnow,
)
from assessor.services import catalog
from tests.factories import make_assessment, make_attempt

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "challenges"
ROOT = Path(__file__).resolve().parents[2]
SOLUTION = "def add(a, b):\n    return a + b\n"
WRONG = "def add(a, b):\n    return a + b + (1 if a < 0 else 0)\n"


def wait_until(
    predicate: Callable[[], object], timeout: float, what: str, interval: float = 0.25
) -> object:
    """Poll until predicate() is truthy; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


class Platform:
    """One database + queue, seeded from the test process, graded by worker subprocesses."""

    def __init__(self, tmp_path: Path, database_url: str, queue_url: str, **settings) -> None:
        self.tmp_path = tmp_path
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "QUEUE_URL": queue_url,
            "ASSESSOR_INSTANCE": str(tmp_path / "instance"),
            "SANDBOX_BACKEND": "docker",
            "SECRET_KEY": "integration-" + "k" * 32,
            "REAPER_INTERVAL_S": "2",
            "PYTHONUNBUFFERED": "1",
            **{k: str(v) for k, v in settings.items()},
        }
        self.app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": database_url,
                "QUEUE_URL": queue_url,
                "INSTANCE_DIR": str(tmp_path / "instance"),
                "SANDBOX_BACKEND": "docker",
                "SECRET_KEY": self.env["SECRET_KEY"],
            }
        )
        self.workers: list[subprocess.Popen] = []
        (tmp_path / "instance").mkdir(exist_ok=True)
        with self.app.app_context():
            db.create_all()

    def context(self):
        return self.app.app_context()

    def sync(self, folder: Path) -> int:
        """Sync a challenge folder with the real Docker sandbox; return the version id."""
        with self.context():
            outcome = catalog.sync_folder(
                folder, sandbox.DockerBackend(), self.app.config["SANDBOX_IMAGE"]
            )
            assert outcome.ok, outcome
            return outcome.version_id

    def started_attempt(self, version_id: int) -> tuple[int, int]:
        """Create a started attempt on one challenge; return (attempt id, item id)."""
        with self.context():
            version = db.session.get(ChallengeVersion, version_id)
            attempt = make_attempt(
                make_assessment(versions=[version]), status=AttemptStatus.STARTED
            )
            attempt.started_at = utcnow()
            attempt.deadline_at = utcnow() + timedelta(hours=1)
            db.session.commit()
            return attempt.id, attempt.assessment.items[0].id

    def submit(
        self, files: dict[str, str], version_id: int, kind: SubmissionKind = SubmissionKind.RUN
    ) -> int:
        """Queue a submission through the real signal -> queue path; return its id."""
        from assessor.services.submissions import announce

        attempt_id, item_id = self.started_attempt(version_id)
        with self.context():
            submission = Submission(
                attempt_id=attempt_id, item_id=item_id, kind=kind, files=files, enqueued_at=utcnow()
            )
            db.session.add(submission)
            db.session.commit()
            announce([submission])
            return submission.id

    def submission(self, submission_id: int) -> Submission:
        with self.context():
            row = db.session.get(Submission, submission_id)
            row.results  # noqa: B018 - load before the session closes
            db.session.expunge_all()
            return row

    def status(self, submission_id: int) -> str:
        return self.submission(submission_id).status.value

    def start_worker(self, *args: str, **env: object) -> subprocess.Popen:
        """Start `assessor worker` in a new process group, logging to the temp folder."""
        log = open(self.tmp_path / f"worker-{len(self.workers)}.log", "wb")  # noqa: SIM115
        proc = subprocess.Popen(
            [sys.executable, "-m", "assessor", "worker", *args],
            env={**self.env, **{k: str(v) for k, v in env.items()}},
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
            start_new_session=True,
        )
        proc.log_file = log
        self.workers.append(proc)
        return proc

    def worker_log(self, index: int = 0) -> str:
        return (self.tmp_path / f"worker-{index}.log").read_text(errors="replace")

    def stop(self) -> None:
        for proc in self.workers:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.workers:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            proc.log_file.close()
        with self.context():
            db.session.remove()
            db.engine.dispose()


def fresh_postgres_database(
    admin_url: str, prefix: str = "assessor_it"
) -> tuple[str, Callable[[], None]]:
    """Create an empty PostgreSQL database; return its URL and a function that drops it."""
    admin_url = sa.engine.make_url(admin_url)
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return admin_url.set(database=name).render_as_string(hide_password=False), drop


def copy_challenge(name: str, dest: Path, **limits: int) -> Path:
    """Copy a fixture challenge, optionally overriding its limits."""
    folder = dest / name
    shutil.copytree(FIXTURES / name, folder)
    if limits:
        yaml_path = folder / "challenge.yaml"
        text = yaml_path.read_text()
        body = ", ".join(f"{k}: {v}" for k, v in limits.items())
        lines = [
            f"limits: {{{body}}}" if line.startswith("limits:") else line
            for line in text.splitlines()
        ]
        yaml_path.write_text("\n".join(lines) + "\n")
    return folder
