"""A service challenge in Chromium: pick a language, edit its highlighted files, switch safely.

Running the service's tests needs the sandbox's service mode and the language images; this
test stops at the save that reaches the server.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.live_app import live_app  # noqa: F401 - the fixture
from tests.integration.platform import wait_until

pytestmark = [pytest.mark.browser]
TOKEN = "service-e2e-token-" + "s" * 28
EDIT = "// edited in the browser"


@pytest.fixture
def invited(live_app):  # noqa: F811
    from tests.factories import make_assessment, make_attempt
    from tests.unit.services.service_versions import service_version

    with live_app.app.app_context():
        attempt = make_attempt(make_assessment(versions=[service_version()]), token=TOKEN)
        return live_app, attempt.id


def draft_of(app, attempt_id):
    from assessor.extensions import db
    from assessor.models import Draft

    with app.app_context():
        draft = db.session.query(Draft).filter_by(attempt_id=attempt_id).one_or_none()
        return (draft.language, dict(draft.files)) if draft else (None, {})


def highlighted(page, word: str) -> dict | None:
    """Return the class and colour of the editor's token `word`, if it is a token of its own."""
    return page.evaluate(
        """(word) => {
            const span = [...document.querySelectorAll("#editor .cm-line span")]
                .find((s) => s.textContent === word);
            if (!span) return null;
            const line = span.closest(".cm-line");
            return {cls: span.className, color: getComputedStyle(span).color,
                    plain: getComputedStyle(line).color};
        }""",
        word,
    )


def test_pick_node_edit_the_highlighted_server_then_switch_without_losing_it(
    new_page, invited, shots
):
    app, attempt_id = invited
    page = new_page()
    page.goto(f"{app.base_url}/a/{TOKEN}")
    page.get_by_role("button", name="Start the assessment").click()
    page.wait_for_url(re.compile(r"/work$"))
    expect(page.locator("#workspace")).to_have_attribute("data-ready", "true")

    # The picker stands in for the editor until a language is chosen.
    picker = page.get_by_role("group", name="Which language will you write this service in?")
    expect(picker).to_be_visible()
    expect(page.locator("#editor")).to_be_hidden()
    expect(page.get_by_role("button", name="Run tests")).to_be_disabled()
    expect(picker.get_by_role("button")).to_have_text(["Python", "Node.js"])
    shots(page, "picker")

    # Keyboard only: Tab reaches the choices, Enter picks Node.js.
    picker.get_by_role("button", name="Python").focus()
    page.keyboard.press("Tab")
    expect(picker.get_by_role("button", name="Node.js")).to_be_focused()
    page.keyboard.press("Enter")
    expect(picker).to_be_hidden()
    expect(page.locator("#language-bar")).to_contain_text("Language: Node.js")
    tabs = page.locator("#file-tabs [role=tab]")
    expect(tabs.first).to_have_text("node/server.js")
    expect(tabs).not_to_contain_text([re.compile("python/")])
    expect(page.locator("#editor .cm-content")).to_contain_text('require("http")')
    token = highlighted(page, "const")
    assert token and token["cls"] and token["color"] != token["plain"], token
    shots(page, "node")

    # An edit is saved under the language's folder.
    page.locator("#editor .cm-content").click()
    page.keyboard.press("Control+End")
    page.keyboard.press("Enter")
    page.keyboard.type(EDIT)
    expect(page.locator("#save-state")).to_have_text("All changes saved")
    wait_until(
        lambda: EDIT in draft_of(app.app, attempt_id)[1].get("node/server.js", ""),
        10,
        "the edit saved under node/",
    )
    assert draft_of(app.app, attempt_id)[0] == "node"

    # Changing asks first and says nothing is lost; the Node.js work stays on the server.
    page.get_by_role("button", name="change").click()
    expect(page.locator("#confirm")).to_contain_text("Nothing is lost")
    page.get_by_role("button", name="Choose another language").click()
    picker.get_by_role("button", name="Python").click()
    expect(tabs.first).to_have_text("python/app.py")
    expect(page.locator("#language-bar")).to_contain_text("Language: Python")
    language, files = draft_of(app.app, attempt_id)
    assert language == "python" and EDIT in files["node/server.js"]
    shots(page, "python")

    # Back to Node.js: the edit is still there.
    page.get_by_role("button", name="change").click()
    page.get_by_role("button", name="Choose another language").click()
    picker.get_by_role("button", name="Node.js").click()
    expect(page.locator("#editor .cm-content")).to_contain_text(EDIT)
