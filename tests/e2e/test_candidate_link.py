"""Finding 5 in Chromium: the invitation token leaves the browser once, then only a grant does."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.docker, pytest.mark.slow]


def test_the_token_is_sent_once_and_never_as_a_referer(platform, new_page):
    invitation = platform.invite()
    page = new_page()
    sent: list[tuple[str, str]] = []
    page.on("request", lambda r: sent.append((r.url, r.headers.get("referer", ""))))

    page.goto(invitation.url)
    expect(page.locator("#start")).to_be_visible()
    assert page.url == invitation.base  # the address bar and history hold no token
    page.get_by_role("button", name="Start the assessment").click()
    page.wait_for_url(re.compile(r"/work$"))
    expect(page.locator("#workspace")).to_have_attribute("data-ready", "true")
    page.locator("#editor .cm-content").click()
    page.keyboard.type("# saved through the grant\n")
    expect(page.locator("#save-state")).to_have_text("All changes saved")
    page.reload()
    expect(page.locator("#workspace")).to_have_attribute("data-ready", "true")

    with_token = [url for url, referer in sent if invitation.token in url + referer]
    assert with_token == [invitation.url], with_token
    assert len(sent) > 10  # the probe saw the pages, scripts and API calls

    # The token-less address alone opens nothing on another machine.
    stranger = new_page()
    stranger.goto(page.url)
    expect(stranger.locator("h1")).to_have_text("This link does not work")
    # ... and the link in the email opens the same attempt there.
    stranger.goto(invitation.url)
    stranger.wait_for_url(re.compile(r"/work$"))
    expect(stranger.locator("#workspace")).to_have_attribute("data-ready", "true")
