"""A service challenge graded for real, from the candidate's editor to the reviewer's report.

Its own platform syncs only the mini-service fixture (the references run in the Docker
sandbox's service mode, in the Python and Node.js images).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from assessor.models import Submission, SubmissionKind
from tests.e2e.conftest import CHALLENGES, PASSWORD, Platform, paste

pytestmark = [pytest.mark.browser, pytest.mark.docker, pytest.mark.slow]

GRADING_TIMEOUT_S = 180
FOLDER = CHALLENGES / "mini-service"
SOLUTION = (FOLDER / "solution" / "node" / "server.js").read_text()


@pytest.fixture(scope="module")
def service_platform(tmp_path_factory) -> Iterator[Platform]:
    running = Platform(tmp_path_factory.mktemp("service-platform"))
    running.command("db", "upgrade")
    running.command("challenges", "sync", "--no-retire", str(FOLDER))
    try:
        running.serve()
        yield running
    finally:
        running.stop()


def test_a_node_service_goes_from_the_editor_to_a_graded_report(service_platform, new_page, shots):
    invitation = service_platform.invite(slugs=("mini-service",))
    page = new_page()
    page.goto(invitation.url)
    page.get_by_role("button", name="Start the assessment").click()
    page.wait_for_url(re.compile(r"/work$"))
    expect(page.locator("#workspace")).to_have_attribute("data-ready", "true")

    page.get_by_role("group", name=re.compile("Which language")).get_by_role(
        "button", name="Node.js"
    ).click()
    expect(page.locator("#file-tabs [role=tab]").first).to_have_text("node/server.js")
    page.locator("#editor .cm-content").click()
    page.keyboard.press("Control+A")
    paste(page, SOLUTION)
    expect(page.locator("#editor .cm-content")).to_contain_text("Hello, ${name}!")

    page.get_by_role("button", name="Run tests").click()
    expect(page.locator("#run-state")).to_have_text(
        "2 of 2 public tests passed.", timeout=GRADING_TIMEOUT_S * 1000
    )
    expect(page.locator("#test-list")).to_contain_text("test_greets_by_name")
    shots(page, "service-passed")

    with service_platform.db() as session:
        run = session.scalar(
            select(Submission).where(
                Submission.attempt_id == invitation.attempt_id,
                Submission.kind == SubmissionKind.RUN,
            )
        )
        assert list(run.files) == ["node/server.js"]
        assert "Hello, ${name}!" in run.files["node/server.js"]

    # Submit, finish, and wait for the final grading of every hidden test.
    page.get_by_role("button", name="Submit this challenge").click()
    page.get_by_role("button", name="Submit challenge").click()
    page.get_by_role("button", name="Finish assessment").click()
    page.get_by_role("button", name="Finish and submit all").click()
    page.wait_for_url(re.compile(r"/done$"))
    expect(page.locator(".final-state")).to_have_text("graded", timeout=GRADING_TIMEOUT_S * 1000)

    # The interviewer's report: the language, the full score, the service's output.
    staff = new_page()
    staff.goto(f"{service_platform.base_url}/login")
    staff.get_by_label("Email").fill("interviewer@e2e.test")
    staff.get_by_label("Password").fill(PASSWORD)
    staff.get_by_role("button", name="Sign in").click()
    staff.goto(f"{service_platform.base_url}/attempts/{invitation.attempt_id}")
    expect(staff.locator(".service-language")).to_have_text("Node.js")
    expect(staff.locator("body")).to_contain_text("6/6")
    staff.locator(".service-output summary").click()
    expect(staff.locator(".service-output pre")).to_contain_text("== start: node server.js")
    shots(staff, "service-report")
    with service_platform.db() as session:
        final = session.scalar(
            select(Submission).where(
                Submission.attempt_id == invitation.attempt_id,
                Submission.kind == SubmissionKind.FINAL,
            )
        )
        assert final.outcome == "completed" and final.score == final.max_score == 6
