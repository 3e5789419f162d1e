"""Parts a fault test may break: a private Redis and PostgreSQL, gunicorn, and candidates.

Every part here belongs to one test, on its own loopback port, so stopping or filling it never
disturbs the shared services other tests use.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import requests

import sandbox
from assessor.extensions import db
from assessor.models import Draft, DraftSnapshot, Role
from assessor.services import assessments, attempts, catalog, invitations, users
from tests.integration.platform import FIXTURES, ROOT, wait_until

CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False


class PrivateRedis:
    """A redis-server of our own, without persistence, as the shared one runs."""

    def __init__(self, folder: Path, *, appendonly: bool = False) -> None:
        self.folder, self.port, self.appendonly = folder, free_port(), appendonly
        self.proc: subprocess.Popen | None = None
        folder.mkdir(parents=True, exist_ok=True)

    def url(self, db_number: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db_number}"

    def start(self) -> None:
        command = ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port)]
        command += ["--dir", str(self.folder), "--save", ""]
        command += ["--appendonly", "yes" if self.appendonly else "no"]
        self.proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        wait_until(lambda: port_open(self.port), 20, "the private redis-server to listen")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()  # no chance to save: what a crash or an OOM kill leaves
            self.proc.wait(timeout=20)
        self.proc = None


class PrivatePostgres:
    """A PostgreSQL cluster of our own (initdb as `postgres`), on its own port and folder."""

    def __init__(self) -> None:
        # Not under pytest's tmp_path: its parents are root's alone, and postgres must enter.
        self.folder = Path(tempfile.mkdtemp(prefix="assessor-pg-"))
        shutil.chown(self.folder, "postgres", "postgres")
        self.data, self.port = self.folder / "data", free_port()
        self._as_postgres(PG_BIN / "initdb", "-D", self.data, "-A", "trust", "-U", "postgres")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _as_postgres(self, *command) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *map(str, command)],
            check=True,
            capture_output=True,
            cwd=self.folder,
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        log = self.folder / "server.log"
        self._as_postgres(
            PG_BIN / "pg_ctl", "-D", self.data, "-o", options, "-l", log, "-w", "start"
        )

    def stop(self, mode: str = "fast") -> None:
        self._as_postgres(PG_BIN / "pg_ctl", "-D", self.data, "-m", mode, "-w", "stop")

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.stop("immediate")
        shutil.rmtree(self.folder, ignore_errors=True)


def start_gunicorn(env: dict, port: int, log: Path) -> subprocess.Popen:
    """Serve the app as the Dockerfile does (gthread, 2 workers x 8 threads) on loopback."""
    command = [str(Path(sys.executable).with_name("gunicorn")), "--bind", f"127.0.0.1:{port}"]
    command += ["--worker-class", "gthread", "--threads", "8", "--workers", "2"]
    command += ["--graceful-timeout", "10", "assessor:create_app()"]
    out = log.open("ab")
    # Its own process group: a SIGKILL of the whole server reaches its workers too.
    server = subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=out, stderr=out, start_new_session=True
    )
    out.close()
    wait_until(
        lambda: port_open(port) or server.poll() is not None, 60, "gunicorn to start listening"
    )
    assert server.poll() is None, log.read_text()
    return server


def candidate_prefix(path: str, token: str) -> str:
    """Return the candidate's URL prefix from where opening the invitation link led."""
    found = re.match(r"/c/\d+", path)  # the link was exchanged for a session grant
    return found.group(0) if found else f"/a/{token}"


def open_in_test_client(browser, token: str) -> tuple[str, dict]:
    """Open an invitation link in a Flask test client; return the URL prefix and CSRF header."""
    entered = browser.get(f"/a/{token}", follow_redirects=True)
    assert entered.status_code == 200, entered.text[:300]
    prefix = candidate_prefix(entered.request.path, token)
    page = browser.get(f"{prefix}/work")
    assert page.status_code == 200, page.text[:300]
    return prefix, {"X-CSRFToken": CSRF_META.search(page.text).group(1)}


@dataclass
class Candidate:
    attempt_id: int
    token: str
    item_id: int
    path: str
    session: requests.Session = field(default_factory=requests.Session)
    csrf: str = ""
    acked: dict[int, str] = field(default_factory=dict)  # revision -> content acknowledged
    revision: int = 0

    prefix: str = ""  # where the candidate's pages and API live once the link is opened

    def open(self, base: str) -> None:
        """Open the link and the workspace as the browser does: session cookie, CSRF token."""
        entered = self.session.get(f"{base}/a/{self.token}", timeout=30)
        assert entered.status_code == 200, (entered.status_code, entered.text[:300])
        self.prefix = candidate_prefix(urlparse(entered.url).path, self.token)
        page = self.session.get(f"{base}{self.prefix}/work", timeout=30)
        assert page.status_code == 200, (page.status_code, page.text[:300])
        self.csrf = CSRF_META.search(page.text).group(1)

    def save(self, base: str, text: str, timeout: float = 10) -> requests.Response:
        """Autosave `text` on top of the last acknowledged revision; remember what was acked."""
        response = self.session.post(
            f"{base}{self.prefix}/api/items/{self.item_id}/draft",
            json={"revision": self.revision, "files": {self.path: text}},
            headers={"X-CSRFToken": self.csrf, "Accept": "application/json"},
            timeout=timeout,
        )
        if response.status_code == 200:
            self.revision = response.json()["revision"]
            self.acked[self.revision] = text
        elif response.status_code == 409:  # applied earlier, its answer lost: carry on from it
            self.revision = response.json()["current_revision"]
        return response

    def lost_saves(self) -> list[str]:
        """Compare every acknowledged revision with the snapshot stored for it."""
        stored = {
            s.revision: s.files
            for s in db.session.scalars(
                db.select(DraftSnapshot)
                .join(Draft, Draft.id == DraftSnapshot.draft_id)
                .where(Draft.attempt_id == self.attempt_id)
            )
        }
        return [
            f"attempt {self.attempt_id}: revision {revision} acknowledged, not stored as sent"
            for revision, text in self.acked.items()
            if stored.get(revision) != {self.path: text}
        ]


def seed_candidates(count: int, minutes: int = 120) -> list[Candidate]:
    """Through the services: a challenge, an assessment, `count` started attempts."""
    # The fixture's reference solution runs on the fake backend: it is our own code.
    outcome = catalog.sync_folder(FIXTURES / "mini-adder", sandbox.FakeBackend(), "unused")
    assert outcome.ok, outcome
    owner = users.create_user(
        users.NewUser("faults@example.test", "Fay Faults", Role.INTERVIEWER, secrets.token_hex(16))
    )
    assessment = assessments.create_assessment(
        assessments.NewAssessment(
            "Fault round",
            duration_minutes=minutes,
            owner_id=owner.id,
            items=[assessments.ItemSpec(version_id=outcome.version_id)],
        )
    )
    item = assessment.items[0]
    item_id, path = item.id, attempts.editable_paths(item)[0]
    batch = [
        invitations.NewInvitation(assessment.id, f"Candidate {i}", f"c{i}@example.test")
        for i in range(count)
    ]
    made = invitations.create_invitations(batch, actor_id=owner.id)
    for attempt, _ in made:
        attempts.start(attempt.id)
    return [Candidate(attempt.id, token, item_id, path) for attempt, token in made]


def stop_process(proc: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 30) -> None:
    """Signal a process (SIGKILL: its whole group, as a power cut would) and reap it."""
    if proc.poll() is None:
        if sig == signal.SIGKILL:
            os.killpg(proc.pid, sig)
        else:
            os.kill(proc.pid, sig)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def wait_for(seconds: float) -> None:
    """Let time pass for the part under test (never asserted on)."""
    time.sleep(seconds)
