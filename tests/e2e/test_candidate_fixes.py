"""Candidate-side fixes in Chromium: one import error, a steady editor, warnings, sizes."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.docker, pytest.mark.slow]

GRADING_TIMEOUT_S = 120
DESIGN = "Design a URL shortener"


def editor(page):
    return page.locator("#editor .cm-content")


def start(page, invitation) -> None:
    page.goto(invitation.url)
    page.get_by_role("button", name="Start the assessment").click()
    page.wait_for_url(re.compile(r"/work$"))
    expect(page.locator("#workspace")).to_have_attribute("data-ready", "true")


def test_an_import_error_shows_once_and_the_editor_keeps_its_size(platform, new_page, shots):
    page = new_page()
    start(page, platform.invite())
    before = page.locator("#editor").bounding_box()

    editor(page).click()
    page.keyboard.press("Control+A")
    page.keyboard.type("import nonexistent_helpers\n")
    page.get_by_role("button", name="Run tests").click()
    state = page.locator("#run-state")
    expect(state).to_have_text(
        "None of the 2 public tests could run.", timeout=GRADING_TIMEOUT_S * 1000
    )
    shots(page, "import-error")

    # The error once, above the tests it stopped, in the candidate's words.
    causes = page.locator("#test-list .shared-cause")
    expect(causes).to_have_count(1)
    expect(causes).to_contain_text("2 tests did not run")
    expect(causes).to_contain_text("could not load your code")
    listed = page.locator("#test-list").inner_text()
    assert listed.count("No module named 'nonexistent_helpers'") == 1, listed
    assert "valid Python names" not in listed and "/harness" not in listed, listed
    expect(page.locator("#test-list .badge", has_text="did not run")).to_have_count(2)

    # Results appearing took no height from the editor; a line beside the buttons leads to them.
    after = page.locator("#editor").bounding_box()
    assert after["height"] == pytest.approx(before["height"], abs=1)
    assert after["y"] == pytest.approx(before["y"], abs=1)
    jump = page.locator("#results-jump")
    expect(jump).to_contain_text("None of the 2 public tests could run.")
    jump.click()
    expect(page.locator("#results")).to_be_in_viewport()


def test_finish_names_the_challenges_never_opened(platform, new_page, shots):
    page = new_page()
    start(page, platform.invite())
    dialog = page.locator("#confirm")

    page.get_by_role("button", name="Finish assessment").click()
    expect(dialog).to_contain_text("You have not opened 1 challenge")
    expect(dialog).to_contain_text(f"“{DESIGN}”")
    expect(page.get_by_role("button", name="Finish anyway")).to_be_visible()
    shots(page, "finish-warning")
    page.get_by_role("button", name="Cancel").click()
    expect(page).to_have_url(re.compile(r"/work$"))

    # Once opened (remembered across a reload), it is no longer "never opened", only unchanged.
    page.locator(".item-link", has_text=DESIGN).click()
    page.reload()
    expect(page.locator("#workspace")).to_have_attribute("data-ready", "true")
    page.get_by_role("button", name="Finish assessment").click()
    expect(dialog).not_to_contain_text("not opened")
    expect(dialog).to_contain_text("You have not changed")
    page.get_by_role("button", name="Cancel").click()


def test_a_huge_paste_is_explained_and_never_uploaded(platform, new_page):
    page = new_page()
    start(page, platform.invite())
    uploads = []
    page.on(
        "request",
        lambda r: (
            uploads.append(len(r.post_data_buffer or b""))
            if r.method == "POST" and "/draft" in r.url
            else None
        ),
    )
    page.evaluate(
        """() => {
            const data = new DataTransfer();
            data.setData("text/plain", "# filler\\n".repeat(583000));
            document.querySelector("#editor .cm-content").dispatchEvent(
                new ClipboardEvent("paste", {clipboardData: data, bubbles: true}));
        }"""
    )
    expect(page.locator("#save-state")).to_have_text("Not saved", timeout=15_000)
    alert = page.locator("#alerts")
    expect(alert).to_contain_text("adder.py is 5.0 MB")
    expect(alert).to_contain_text("a file may hold at most 256 KB")
    assert not any(size > 1024 * 1024 for size in uploads), uploads

    # Undoing the paste saves again.
    editor(page).click()
    page.keyboard.press("Control+Z")
    expect(page.locator("#save-state")).to_have_text("All changes saved", timeout=15_000)


def test_long_statement_code_wraps_and_one_minute_is_singular(platform, new_page):
    invitation = platform.invite(minutes=1)
    page = new_page(width=1100)
    page.goto(invitation.url)
    expect(page.locator("#duration")).to_have_text("1 minute")
    page.get_by_role("button", name="Start the assessment").click()
    expect(page.locator("#workspace")).to_have_attribute("data-ready", "true")

    # A statement with a long line of code, as the library's statements have.
    page.evaluate(
        """() => {
            const pre = document.createElement("pre");
            const query = "SELECT id FROM bookings WHERE x = ? ".repeat(6);
            pre.textContent = `conn.execute("${query}")`;
            document.querySelector(".statement:not([hidden]) .markdown").append(pre);
        }"""
    )
    page.locator(".item-link", has_text=DESIGN).click()
    page.locator(".item-link", has_text="Add two numbers").click()
    pre = page.locator(".statement:not([hidden]) pre").last
    wide = "e => e.scrollWidth > e.clientWidth + 1"
    assert pre.evaluate(wide) is False, "the code is cut off"
    toggle = page.get_by_role("button", name="Wrap lines")
    expect(toggle).to_have_attribute("aria-pressed", "true")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "false")
    assert pre.evaluate(wide) is True
    assert pre.evaluate("e => getComputedStyle(e).overflowX") == "auto"
