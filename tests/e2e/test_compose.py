"""The catalog and the composer in Chromium: an author syncs, an interviewer composes and shares.

A real `assessor run` (web server and embedded worker) on the fixture library, with the fake
sandbox backend: the sync page follows the worker's run by itself, and the composer's script
reorders rows in place, which the server must then save in that order.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from tests.e2e.conftest import CHALLENGES, PASSWORD, Platform

pytestmark = [pytest.mark.browser]

AUTHOR, OWNER, COLLEAGUE = "aria@e2e.test", "ivy@e2e.test", "olga@e2e.test"


@pytest.fixture(scope="module")
def library_platform(tmp_path_factory) -> Iterator[Platform]:
    """A platform whose library is the fixture folder and whose sandbox is the fake one."""
    from assessor.models import Role
    from assessor.services import users

    running = Platform(tmp_path_factory.mktemp("compose"))
    running.env |= {"SANDBOX_BACKEND": "fake", "CHALLENGES_DIR": str(CHALLENGES)}
    running.command("db", "upgrade")
    with running.db():
        for email, name, role in (
            (AUTHOR, "Aria Author", Role.AUTHOR),
            (OWNER, "Ivy Interviewer", Role.INTERVIEWER),
            (COLLEAGUE, "Olga Colleague", Role.INTERVIEWER),
        ):
            users.create_user(users.NewUser(email, name, role, PASSWORD))
    try:
        running.serve()
        yield running
    finally:
        running.stop()


def sign_in(page, platform, email: str) -> None:
    page.goto(f"{platform.base_url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{platform.base_url}/")


def test_author_syncs_then_interviewer_composes_and_shares(library_platform, new_page, shots):
    from assessor.models import Assessment

    platform = library_platform
    author = new_page()
    sign_in(author, platform, AUTHOR)
    author.goto(f"{platform.base_url}/catalog/")
    assert author.get_by_text("The catalog is empty").is_visible()
    author.get_by_role("button", name="Sync library").click()
    # The worker syncs; the page follows it and shows the report without a manual reload.
    author.get_by_role("button", name="Sync again").wait_for(timeout=120_000)
    assert author.get_by_text("4 of 4 folders: 4 new challenges.").is_visible()
    shots(author, "sync-report")

    page = new_page()
    sign_in(page, platform, OWNER)
    page.get_by_role("link", name="Catalog").click()
    page.get_by_label("Kind").select_option("code")
    page.get_by_role("button", name="Filter").click()
    assert page.locator("table.catalog tbody tr").count() == 1
    page.get_by_role("link", name="Clear filters").click()
    page.get_by_label("Select Add two numbers").check()
    page.get_by_label("Select Design a URL shortener").check()
    page.get_by_label("Select Greet over HTTP").check()
    page.get_by_role("button", name="Add selected to a new assessment").click()
    page.get_by_role("heading", name="New assessment").wait_for()

    page.get_by_label("Title").fill("Browser-composed round")
    # Reorder in place: the design answer first, the HTTP API dropped, the adder weighted 3.
    page.get_by_role("button", name="Move Design a URL shortener up").click()
    page.get_by_role("button", name="Remove Greet over HTTP").click()
    page.get_by_label("Weight of Add two numbers").fill("3")
    assert page.locator("#compose-items tbody tr").count() == 2
    assert page.locator('select[name="add"] option[value="mini-http-api"]').count() == 1
    assert (
        page.locator("#time-summary")
        .inner_text()
        .startswith("The challenges' estimates add up to 35 minutes")
    )
    page.get_by_label("Duration (minutes)").fill("20")
    assert page.locator("#time-warning").is_visible()
    page.get_by_label("Duration (minutes)").fill("45")
    shots(page, "composed")
    page.get_by_role("button", name="Create assessment").click()
    page.wait_for_url(f"{platform.base_url}/assessments/*")

    with platform.db() as session:
        created = session.scalar(select(Assessment).where(Assessment.title.like("Browser%")))
        assert [(i.version.challenge.slug, i.weight) for i in created.items] == [
            ("mini-design", 1.0),
            ("mini-adder", 3.0),
        ]
        assert created.duration_minutes == 45 and created.pinned_at is None
        assessment_id = created.id

    page.goto(f"{platform.base_url}/assessments/{assessment_id}/sharing")
    page.get_by_label("Interviewer").select_option(label=f"Olga Colleague ({COLLEAGUE})")
    page.get_by_label("Access", exact=True).select_option("editor")
    page.get_by_role("button", name="Share").click()
    assert page.get_by_text("Shared with Olga Colleague as editor.").is_visible()

    colleague = new_page()
    sign_in(colleague, platform, COLLEAGUE)
    colleague.goto(f"{platform.base_url}/assessments")
    colleague.get_by_role("link", name="Browser-composed round").wait_for()
    colleague.goto(f"{platform.base_url}/assessments/{assessment_id}/edit")
    assert colleague.get_by_text("Not sent yet").is_visible()
    shots(colleague, "colleague-edits")
