"""Staff in Chromium: the CLI-created admin signs in, watches grading, reads a report."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.e2e.conftest import ROOT
from tests.integration.platform import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.docker, pytest.mark.slow]

ADMIN_EMAIL = "first.admin@e2e.test"
ADMIN_PASSWORD = "the first admin's passphrase"
SOLUTION = "def add(a: int, b: int) -> int:\n    return a + b\n"


def create_admin(platform) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "assessor",
            "users",
            "create",
            "--email",
            ADMIN_EMAIL,
            "--name",
            "First Admin",
            "--role",
            "admin",
            "--password-stdin",
        ],
        input=ADMIN_PASSWORD + "\n",
        env=platform.env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def sign_in(page, platform, password: str) -> None:
    page.goto(f"{platform.base_url}/login")
    page.get_by_label("Email").fill(ADMIN_EMAIL)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def take_assessment(platform, invitation) -> None:
    """The candidate's side, through the services: start, write the solution, finish."""
    from assessor.services import attempts, finalization

    with platform.db():
        attempts.start(invitation.attempt_id)
        workspace = attempts.workspace(invitation.attempt_id)
        code = next(item for item in workspace.items if item.kind == "code")
        attempts.save_draft(invitation.attempt_id, code.id, {"adder.py": SOLUTION}, 0)
        finalization.finish_attempt(invitation.attempt_id)


def test_first_admin_signs_in_and_reads_a_graded_report(platform, new_page, shots):
    create_admin(platform)
    page = new_page()

    sign_in(page, platform, "not the password at all")
    assert page.get_by_text("Wrong email or password").is_visible()
    shots(page, "wrong-password")

    sign_in(page, platform, ADMIN_PASSWORD)
    page.get_by_role("heading", name="Welcome, First Admin").wait_for()
    shots(page, "home")

    invitation = platform.invite(title="Staff e2e assessment")
    take_assessment(platform, invitation)
    page.reload()
    page.get_by_role("link", name="Staff e2e assessment").click()
    row = page.locator(f'tr[data-attempt="{invitation.attempt_id}"]')
    # The page polls while grading runs: the code's score appears without a reload, and the
    # total waits for a scorecard of the design answer.
    wait_until(
        lambda: row.locator('[data-field="total"]').inner_text() == "pending review",
        120,
        "the assessment page to show the graded code, the design pending review",
    )
    assert "100%" in row.locator("td[data-item]").first.inner_text()
    shots(page, "assessment-graded")

    row.get_by_role("link", name="Casey Candidate").click()
    page.get_by_role("heading", name="Score by skill").wait_for()
    assert page.get_by_text("8 / 8 points").is_visible()
    assert page.get_by_text("hidden/test_adder_hidden.py::test_adds_negative_numbers").count()
    shots(page, "report")

    page.get_by_role("button", name="Sign out").click()
    page.goto(f"{platform.base_url}/")
    assert "/login" in page.url
