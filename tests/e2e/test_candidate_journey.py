"""The candidate's whole journey in Chromium, against the real server, worker and sandbox."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from assessor.models import (
    Attempt,
    AttemptEvent,
    Draft,
    Submission,
    SubmissionKind,
    SubmissionStatus,
)
from tests.e2e.conftest import paste
from tests.integration.platform import wait_until

pytestmark = [pytest.mark.browser, pytest.mark.docker, pytest.mark.slow]

GRADING_TIMEOUT_S = 120


def editor(page):
    return page.locator("#editor .cm-content")


def type_solution(page) -> None:
    """Replace adder.py with a correct solution, typed key by key."""
    editor(page).click()
    page.keyboard.press("Control+A")
    page.keyboard.type("def add(a: int, b: int) -> int:")
    page.keyboard.press("Enter")  # the editor indents the body by itself
    page.keyboard.type("return a + b")


def test_take_the_assessment_from_link_to_graded(platform, new_page, shots):
    invitation = platform.invite()
    page = new_page()

    # A forged link gets a clear page, not a stack trace.
    page.goto(f"{platform.base_url}/a/forged-{invitation.token[:10]}")
    expect(page.locator("h1")).to_have_text("This link does not work")

    # Landing: the rules and what is recorded, before any clock runs.
    page.goto(invitation.url)
    expect(page.locator("h1")).to_have_text("Back-end engineer (e2e)")
    expect(page.locator("#duration")).to_contain_text("30 minutes")
    expect(page.locator("#challenge-count")).to_have_text("2")
    expect(page.locator("#recorded")).to_contain_text("never what you pasted")
    expect(page.locator("#recorded")).to_contain_text("loses focus")
    shots(page, "landing")
    page.get_by_role("button", name="Start the assessment").click()

    # Workspace: statement, files, a running clock synced to the server.
    page.wait_for_url(re.compile(r"/work$"))
    expect(page.locator("#workspace")).to_have_attribute("data-ready", "true")
    expect(page.locator(".statement:visible")).to_contain_text("Write add(a: int, b: int)")
    expect(page.locator("#timer")).to_have_text(re.compile(r"^(30:00|29:[0-5]\d)$"))
    tabs = page.locator("#file-tabs [role=tab]")
    expect(tabs).to_have_text(
        [
            "adder.py",
            re.compile("helpers.py.*read-only"),
            re.compile("tests/public/test_adder_public.py.*read-only"),
        ]
    )
    shots(page, "workspace")

    # Read-only files refuse edits; arrow keys move between file tabs.
    tabs.nth(0).focus()
    page.keyboard.press("ArrowRight")
    expect(tabs.nth(1)).to_have_attribute("aria-selected", "true")
    expect(page.locator("#file-note")).to_contain_text("read-only")
    editor(page).click()
    page.keyboard.type("SHOULD NOT APPEAR")
    expect(editor(page)).not_to_contain_text("SHOULD NOT APPEAR")
    tabs.nth(0).click()

    # Type a solution, paste a little, and run the public tests in the real sandbox.
    type_solution(page)
    page.keyboard.press("Enter")
    paste(page, "# pasted")
    expect(editor(page)).to_contain_text("return a + b")
    page.get_by_role("button", name="Run tests").click()
    expect(page.locator("#run-state")).to_have_text(
        re.compile(r"Sending|Queued|Running|public tests passed")
    )
    expect(page.locator("#run-state")).to_have_text(
        "2 of 2 public tests passed.", timeout=GRADING_TIMEOUT_S * 1000
    )
    expect(page.locator("#test-list .test")).to_have_count(2)
    expect(page.locator("#test-list")).to_contain_text("test_adds_small_numbers")
    expect(page.locator("#save-state")).to_have_text("All changes saved")
    shots(page, "test-results")

    # Reload: the work and the last results are still there.
    page.reload()
    expect(page.locator("#workspace")).to_have_attribute("data-ready", "true")
    expect(editor(page)).to_contain_text("return a + b")
    expect(page.locator("#run-state")).to_have_text("2 of 2 public tests passed.")
    shots(page, "after-reload")

    # The design challenge: Markdown with Tab indentation, and a rendered preview.
    page.locator(".item-link", has_text="Design a URL shortener").click()
    expect(tabs).to_have_text(["answer.md"])
    expect(page.get_by_role("button", name="Run tests")).to_be_hidden()
    editor(page).click()
    page.keyboard.press("Control+End")
    page.keyboard.type("\nIds are **base62** counters.\n")
    page.keyboard.press("Tab")
    page.keyboard.type("sharded by id")
    expect(editor(page)).to_contain_text("    sharded by id")
    page.get_by_role("tab", name="Preview").click()
    expect(page.locator("#preview strong")).to_have_text("base62")
    shots(page, "design-preview")
    page.get_by_role("tab", name="Write").click()
    expect(page.locator("#save-state")).to_have_text("All changes saved")

    # Submit the code challenge on its own, with a confirmation.
    page.locator(".item-link", has_text="Add two numbers").click()
    page.get_by_role("button", name="Submit this challenge").click()
    expect(page.locator("#confirm")).to_be_visible()
    shots(page, "confirm-submit")
    page.get_by_role("button", name="Submit challenge").click()
    expect(page.locator(".item-link", has_text="Add two numbers")).to_contain_text("submitted")
    expect(page.get_by_role("button", name="Run tests")).to_be_disabled()

    # Finish everything; the closing page follows grading until it is done.
    page.get_by_role("button", name="Finish assessment").click()
    page.get_by_role("button", name="Finish and submit all").click()
    page.wait_for_url(re.compile(r"/done$"))
    code_state = page.locator('li:has-text("Add two numbers") .final-state')
    expect(code_state).to_have_text("graded", timeout=GRADING_TIMEOUT_S * 1000)
    expect(page.locator('li:has-text("Design a URL shortener") .final-state')).to_have_text(
        "received for review"
    )
    shots(page, "closing")

    # The link now shows the submitted state, never the editor again.
    page.goto(invitation.url)
    page.wait_for_url(re.compile(r"/done$"))
    expect(page.locator("#editor")).to_have_count(0)

    with platform.db() as session:
        attempt = session.get(Attempt, invitation.attempt_id)
        code_item, design_item = (item.id for item in attempt.assessment.items)
        code = session.scalar(
            select(Submission).where(
                Submission.attempt_id == attempt.id,
                Submission.item_id == code_item,
                Submission.kind == SubmissionKind.FINAL,
            )
        )
        assert "return a + b" in code.files["adder.py"]
        assert code.status is SubmissionStatus.GRADED and code.score == code.max_score > 0
        answer = session.scalar(
            select(Draft.files).where(Draft.attempt_id == attempt.id, Draft.item_id == design_item)
        )
        assert "sharded by id" in answer["answer.md"]
        events = session.execute(
            select(AttemptEvent.kind, AttemptEvent.data)
            .where(AttemptEvent.attempt_id == attempt.id)
            .order_by(AttemptEvent.id)
        ).all()
    kinds = [kind for kind, _ in events]
    assert kinds[0] == "start" and "run" in kinds and "submit_item" in kinds
    assert ("paste", {"size": len("# pasted")}) in events
    assert kinds[-1] == "finish"


def test_focus_loss_is_recorded(platform, new_page):
    invitation = platform.invite()
    page = new_page()
    page.goto(invitation.url)
    page.get_by_role("button", name="Start the assessment").click()
    expect(page.locator("#workspace")).to_have_attribute("data-ready", "true")
    page.evaluate("window.dispatchEvent(new Event('blur'))")
    page.evaluate("window.dispatchEvent(new Event('focus'))")

    def focus_events():
        with platform.db() as session:
            return session.scalars(
                select(AttemptEvent.kind).where(
                    AttemptEvent.attempt_id == invitation.attempt_id,
                    AttemptEvent.kind.like("focus%"),
                )
            ).all()

    wait_until(lambda: len(focus_events()) == 2, 10, "two focus events")
    assert focus_events() == ["focus_lost", "focus_regained"]


def test_keyboard_leaves_the_editor_and_controls_are_labelled(platform, new_page, shots):
    invitation = platform.invite()
    page = new_page(390, 844)  # a phone-sized screen
    page.goto(invitation.url)
    shots(page, "narrow-landing")
    for _ in range(30):  # keyboard only: Tab along the page until Start has the focus
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "start":
            break
    page.keyboard.press("Enter")
    expect(page.locator("#workspace")).to_have_attribute("data-ready", "true")
    shots(page, "narrow-workspace")

    # Nothing overflows sideways, and the editor is on screen.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    expect(editor(page)).to_be_visible()

    # Tab indents inside the editor; Esc then Tab moves focus on (no keyboard trap).
    editor(page).click()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('cm-content')")
    page.keyboard.press("Escape")
    page.keyboard.press("Tab")
    assert not page.evaluate("document.activeElement.classList.contains('cm-content')")

    unlabelled = page.evaluate("""() => [...document.querySelectorAll(
        'button, [role=tab], [role=textbox], a[href], input, select, textarea')]
        .filter((el) => el.offsetParent !== null || el.getClientRects().length)
        .filter((el) => !(el.textContent.trim() || el.getAttribute('aria-label')
            || el.getAttribute('aria-labelledby') || el.labels?.length))
        .map((el) => el.outerHTML.slice(0, 80))""")
    assert unlabelled == []
