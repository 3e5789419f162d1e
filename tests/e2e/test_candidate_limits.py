"""The hard edges in Chromium: the deadline, and a stale tab on another machine."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from assessor.models import Attempt, AttemptStatus, Draft, Submission, SubmissionKind, utcnow
from tests.integration.platform import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.docker, pytest.mark.slow]


def editor(page):
    return page.locator("#editor .cm-content")


def start(page, invitation) -> None:
    page.goto(invitation.url)
    page.get_by_role("button", name="Start the assessment").click()
    page.wait_for_url(re.compile(r"/work$"))
    expect(page.locator("#workspace")).to_have_attribute("data-ready", "true")


def move_deadline(platform, attempt_id: int, seconds_from_now: float) -> None:
    """Bring the deadline close, as if the candidate had worked until now."""
    with platform.db() as session:
        attempt = session.get(Attempt, attempt_id)
        attempt.deadline_at = utcnow() + timedelta(seconds=seconds_from_now)
        session.commit()


def test_warnings_then_the_deadline_closes_the_attempt(platform, new_page, shots):
    invitation = platform.invite(minutes=1)
    page = new_page()
    start(page, invitation)

    move_deadline(platform, invitation.attempt_id, 9 * 60 + 30)
    page.reload()
    expect(page.locator("#alerts")).to_contain_text("10 minutes left")
    expect(page.locator("#timer")).to_have_attribute("data-level", "warn")

    move_deadline(platform, invitation.attempt_id, 15)
    page.reload()
    expect(page.locator("#alerts")).to_contain_text("1 minute left")
    expect(page.locator("#timer")).to_have_attribute("data-level", "danger")
    editor(page).click()
    page.keyboard.press("Control+A")
    page.keyboard.type("def add(a, b):\n")
    page.keyboard.type("return a + b  # before the deadline")
    expect(page.locator("#save-state")).to_have_text("All changes saved")
    shots(page, "last-minute")

    # At the deadline the browser stops editing; the server finalizes and the closing page shows.
    expect(page.locator("#alerts")).to_contain_text("Time is up", timeout=30_000)
    expect(page.locator("#save-state")).to_have_text("Editing has ended")
    shots(page, "time-up")
    page.wait_for_url(re.compile(r"/done$"), timeout=45_000)
    expect(page.locator("#closing")).to_contain_text("your work is submitted")
    shots(page, "closing")

    # A write sent after the deadline (say, from a tampered page) is refused by the server.
    late = page.evaluate(
        """async (url) => {
            const csrf = document.querySelector('meta[name="csrf-token"]').content;
            const response = await fetch(url, {method: "POST", headers: {
                "Content-Type": "application/json", "Accept": "application/json",
                "X-CSRFToken": csrf}, body: JSON.stringify({kind: "focus_lost"})});
            return {status: response.status, body: await response.json()};
        }""",
        f"{invitation.base}/api/events",
    )
    assert late["status"] == 409 and "submitted" in late["body"]["error"]

    with platform.db() as session:
        attempt = session.get(Attempt, invitation.attempt_id)
        assert attempt.status is AttemptStatus.SUBMITTED
        assert attempt.submitted_at <= attempt.deadline_at
        code = session.scalar(
            select(Submission).where(
                Submission.attempt_id == invitation.attempt_id,
                Submission.kind == SubmissionKind.FINAL,
                Submission.item_id == attempt.assessment.items[0].id,
            )
        )
        assert "before the deadline" in code.files["adder.py"]


def test_a_stale_tab_gets_a_conflict_instead_of_overwriting(platform, new_page, shots):
    invitation = platform.invite()
    laptop = new_page()
    start(laptop, invitation)
    desktop = new_page()  # another machine, same link: it resumes the same attempt
    desktop.goto(invitation.url)
    desktop.wait_for_url(re.compile(r"/work$"))
    expect(desktop.locator("#workspace")).to_have_attribute("data-ready", "true")

    editor(laptop).click()
    laptop.keyboard.press("Control+End")
    laptop.keyboard.type("\n# newer work from the laptop")
    expect(laptop.locator("#save-state")).to_have_text("All changes saved")

    editor(desktop).click()
    desktop.keyboard.press("Control+End")
    desktop.keyboard.type("\n# stale edit from the desktop")
    conflict = desktop.locator(".alert.conflict")
    expect(conflict).to_contain_text("saved from another tab or machine")
    expect(desktop.locator("#save-state")).to_have_text("Not saved: changed in another tab")
    shots(desktop, "conflict")

    def saved_text():
        with platform.db() as session:
            draft = session.scalar(select(Draft).where(Draft.attempt_id == invitation.attempt_id))
            return draft.files["adder.py"]

    assert "newer work from the laptop" in saved_text()
    assert "stale edit" not in saved_text()

    # The candidate chooses: load the newest work into the stale tab.
    conflict.get_by_role("button", name="Load the newest version").click()
    expect(editor(desktop)).to_contain_text("newer work from the laptop")
    expect(editor(desktop)).not_to_contain_text("stale edit")
    expect(desktop.locator("#save-state")).to_have_text("All changes saved")
    shots(desktop, "resolved")

    # ... and keeps working from there (the focus went back to the editor): the save goes through.
    expect(editor(desktop)).to_be_focused()
    desktop.keyboard.press("Control+End")
    desktop.keyboard.type("\n# continued on the desktop")
    expect(desktop.locator("#save-state")).to_have_text("All changes saved")
    wait_until(lambda: "continued on the desktop" in saved_text(), 10, "the desktop's save")


def test_offline_work_is_kept_and_saved_when_the_connection_returns(platform, new_page, shots):
    invitation = platform.invite()
    page = new_page()
    start(page, invitation)
    context = page.context

    # The server cannot be reached (the network drops every save): the indicator says so.
    page.route("**/draft", lambda route: route.abort("internetdisconnected"))
    editor(page).click()
    page.keyboard.press("Control+End")
    page.keyboard.type("\n# written while offline")
    expect(page.locator("#save-state")).to_contain_text("Offline")
    # Wait for a backoff of 4 s or more, so the next automatic retry is not due yet.
    expect(page.locator("#save-state")).to_contain_text(re.compile(r"retrying in ([4-9]|\d\d) s"))
    shots(page, "offline")

    # The connection is back: Retry saves at once, without waiting for the backoff.
    page.unroute("**/draft")
    page.get_by_role("button", name="Retry now").click()
    expect(page.locator("#save-state")).to_have_text("All changes saved")
    expect(page.get_by_role("button", name="Retry now")).to_be_hidden()

    # Offline again, then the tab is closed before anything reached the server.
    context.set_offline(True)
    editor(page).click()
    page.keyboard.type("\n# typed, then the tab was closed")
    expect(page.locator("#save-state")).to_contain_text("Offline")
    page.close()
    context.set_offline(False)

    # The same link in the same browser restores the copy this browser kept, and saves it.
    again = context.new_page()
    again.goto(invitation.url)
    expect(again.locator("#workspace")).to_have_attribute("data-ready", "true")
    expect(again.locator("#alerts")).to_contain_text("Restored changes")
    expect(editor(again)).to_contain_text("typed, then the tab was closed")
    expect(again.locator("#save-state")).to_have_text("All changes saved")
    shots(again, "restored")
    with platform.db() as session:
        files = session.scalar(select(Draft.files).where(Draft.attempt_id == invitation.attempt_id))
    assert "written while offline" in files["adder.py"]
    assert "typed, then the tab was closed" in files["adder.py"]


def test_a_server_that_cannot_store_a_save_is_retried_and_its_reason_shown(
    platform, new_page, shots
):
    """A 503 from the app (full disk, database away) keeps the work and says why, then saves."""
    invitation = platform.invite()
    page = new_page()
    start(page, invitation)
    reason = "The server's disk is full, so this was not saved. Your work is still in your browser."

    def full(route):
        route.fulfill(
            status=503,
            headers={"Retry-After": "7", "Content-Type": "application/json"},
            body=json.dumps({"error": reason, "status": 503}),
        )

    page.route("**/draft", full)
    editor(page).click()
    page.keyboard.press("Control+End")
    page.keyboard.type("\n# written while the disk was full")
    # The server's reason, and a retry no sooner than its Retry-After.
    expect(page.locator("#save-state")).to_contain_text("disk is full")
    expect(page.locator("#save-state")).to_contain_text(re.compile(r"Retrying in ([7-9]|\d\d) s"))
    shots(page, "server-full")

    # A server error that is not an outage is retried too, never left as "rejected".
    page.unroute("**/draft")
    page.route("**/draft", lambda route: route.fulfill(status=500, body="Internal Server Error"))
    page.get_by_role("button", name="Retry now").click()
    expect(page.locator("#save-state")).to_contain_text("retrying in")

    page.unroute("**/draft")
    page.get_by_role("button", name="Retry now").click()
    expect(page.locator("#save-state")).to_have_text("All changes saved")
    with platform.db() as session:
        files = session.scalar(select(Draft.files).where(Draft.attempt_id == invitation.attempt_id))
    assert "written while the disk was full" in files["adder.py"]
