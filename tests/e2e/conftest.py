"""A real platform for the browser tests, started the way a user starts it.

`assessor db upgrade`, `assessor challenges sync` (the reference solution runs in the Docker
sandbox) and `assessor run` (web server plus embedded worker) run as subprocesses on a
temporary SQLite database; the test process seeds assessments and invitations through the
services and reads the database to check what the browser did. One platform serves the whole
e2e session; every test gets its own invitation and browser context.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from tests.integration.platform import wait_until

ROOT = Path(__file__).resolve().parents[2]
CHALLENGES = ROOT / "tests" / "fixtures" / "challenges"
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PASSWORD = "a long e2e staff passphrase"


def paste(page, text: str) -> None:
    """Paste `text` into the editor as a user's clipboard paste would arrive."""
    page.evaluate(
        """(text) => {
            const data = new DataTransfer();
            data.setData("text/plain", text);
            document.querySelector("#editor .cm-content").dispatchEvent(
                new ClipboardEvent("paste", {clipboardData: data, bubbles: true}));
        }""",
        text,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass(frozen=True)
class Invitation:
    token: str
    attempt_id: int
    url: str  # the link in the email: it trades the token for a session grant
    base: str  # where the link leads: the attempt's token-less pages and API


class Platform:
    """The platform's processes, and an app in this process bound to the same database."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        database_url = f"sqlite:///{folder / 'assessor.sqlite3'}"
        self.env = {
            **os.environ,
            "ASSESSOR_ENV": "development",
            "ASSESSOR_INSTANCE": str(folder),
            "DATABASE_URL": database_url,
            "QUEUE_URL": f"sqlite:///{folder / 'queue.sqlite3'}",
            "SECRET_KEY": "e2e-secret-" + "k" * 32,
            "SANDBOX_BACKEND": "docker",
            "EMBEDDED_WORKER": "1",
            "WORKER_CONCURRENCY": "2",
            "PUBLIC_URL": self.base_url,
            "PYTHONUNBUFFERED": "1",
        }
        self.server: subprocess.Popen | None = None
        self.log_path = folder / "server.log"
        self._app = None
        self._owner_id: int | None = None

    def command(self, *args: str, timeout: float = 600) -> str:
        """Run `assessor <args>`; fail with its output unless it succeeds."""
        done = subprocess.run(
            [sys.executable, "-m", "assessor", *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        output = done.stdout + done.stderr
        assert done.returncode == 0, f"`assessor {' '.join(args)}` failed:\n{output}"
        return output

    def serve(self) -> None:
        """Start `assessor run` and wait until it answers HTTP."""
        log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "assessor",
                "run",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ],
            env=self.env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # one process group: the embedded worker stops with it
        )
        self.server.log_file = log
        wait_until(self._answers, 60, f"`assessor run` on port {self.port}")

    def _answers(self) -> bool:
        if self.server.poll() is not None:
            raise AssertionError(
                f"`assessor run` exited with {self.server.returncode} before serving:\n"
                + self.log()
            )
        try:
            urllib.request.urlopen(f"{self.base_url}/login", timeout=2)  # noqa: S310
            return True
        except urllib.error.HTTPError:
            return True
        except OSError:
            return False

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    @property
    def app(self):
        if self._app is None:
            from assessor import create_app

            self._app = create_app(
                {
                    "SQLALCHEMY_DATABASE_URI": self.env["DATABASE_URL"],
                    "QUEUE_URL": self.env["QUEUE_URL"],
                    "INSTANCE_DIR": str(self.folder),
                    "SECRET_KEY": self.env["SECRET_KEY"],
                    "SANDBOX_BACKEND": "docker",
                }
            )
        return self._app

    @contextlib.contextmanager
    def db(self) -> Iterator:
        """Yield the database session, in an app context bound to the platform's database."""
        from assessor.extensions import db

        with self.app.app_context():
            try:
                yield db.session
            finally:
                db.session.remove()

    def invite(
        self,
        *,
        minutes: int = 30,
        slugs: tuple[str, ...] = ("mini-adder", "mini-design"),
        title: str = "Back-end engineer (e2e)",
    ) -> Invitation:
        """Create an assessment of the synced challenges and invite a candidate to it."""
        from assessor.models import Challenge, Role
        from assessor.services import assessments, invitations, users

        with self.db() as session:
            if self._owner_id is None:
                owner = users.create_user(
                    users.NewUser(
                        "interviewer@e2e.test", "Ivy Interviewer", Role.INTERVIEWER, PASSWORD
                    )
                )
                self._owner_id = owner.id
            versions = [
                session.scalar(select(Challenge.current_version_id).where(Challenge.slug == s))
                for s in slugs
            ]
            assert all(versions), f"challenges not synced: {slugs}"
            assessment = assessments.create_assessment(
                assessments.NewAssessment(
                    title=title,
                    duration_minutes=minutes,
                    owner_id=self._owner_id,
                    description="Two short challenges for the browser tests.",
                    items=[assessments.ItemSpec(version_id=v) for v in versions],
                )
            )
            attempt, token = invitations.create_invitation(
                invitations.NewInvitation(assessment.id, "Casey Candidate", "casey@e2e.test")
            )
            return Invitation(
                token, attempt.id, f"{self.base_url}/a/{token}", f"{self.base_url}/c/{attempt.id}"
            )

    def stop(self) -> None:
        if self.server is not None:
            if self.server.poll() is None:
                os.killpg(self.server.pid, signal.SIGTERM)
            try:
                self.server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.server.pid, signal.SIGKILL)
                self.server.wait()
            self.server.log_file.close()
        if self._app is not None:
            from assessor.extensions import db

            with self._app.app_context():
                db.engine.dispose()


@pytest.fixture(scope="session")
def platform(tmp_path_factory) -> Iterator[Platform]:
    """The platform, started once for every browser test of the session."""
    bundle = ROOT / "static" / "dist" / "workspace.js"
    assert bundle.exists(), "the editor bundle is missing: run `npm ci && npm run build`"
    running = Platform(tmp_path_factory.mktemp("platform"))
    running.command("db", "upgrade")
    running.command(
        "challenges",
        "sync",
        "--no-retire",
        str(CHALLENGES / "mini-adder"),
        str(CHALLENGES / "mini-design"),
    )
    try:
        running.serve()
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class Shots:
    """Numbered screenshots of one test, kept under test-artifacts/e2e/<test>/."""

    def __init__(self, name: str) -> None:
        self.folder = ARTIFACTS / name
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):
            old.unlink()
        self.count = 0

    def __call__(self, page, label: str) -> None:
        self.count += 1
        page.screenshot(path=str(self.folder / f"{self.count:02d}-{label}.png"), full_page=True)


@pytest.fixture
def shots(request) -> Shots:
    return Shots(request.node.name)


@pytest.fixture
def new_page(browser, request):
    """Open pages in fresh browser contexts (a context is one machine); check them for errors."""
    contexts, problems = [], []

    def open_page(width: int = 1280, height: int = 800):
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.on("pageerror", lambda error: problems.append(f"uncaught: {error}"))
        page.on("console", lambda message: _console(message, problems))
        return page

    yield open_page
    for context in contexts:
        context.close()
    assert problems == [], "the page reported errors"


def _console(message, problems: list[str]) -> None:
    # A blocked script would mean inline script crept in: the CSP must never need to stop one.
    if message.type == "error" and "script-src" in message.text:
        problems.append(f"CSP blocked a script: {message.text}")
