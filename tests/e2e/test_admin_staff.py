"""Administration in Chromium: invite a staff member, who sets a password; reset; the audit log."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.docker, pytest.mark.slow]

ADMIN = "staff.admin@e2e.test"
NEW = "nia.new@e2e.test"
NIA_PASSWORD = "plum kettle orbit seventy"


@pytest.fixture(scope="module")
def admin(platform):
    from assessor.models import Role
    from assessor.services import users

    with platform.db():
        users.create_user(users.NewUser(ADMIN, "Ada Admin", Role.ADMIN, PASSWORD))


def sign_in(page, platform, email: str, password: str) -> None:
    page.goto(f"{platform.base_url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_invite_set_password_reset_and_read_the_log(platform, admin, new_page, shots):
    page = new_page()
    sign_in(page, platform, ADMIN, PASSWORD)
    page.get_by_role("link", name="Staff").click()
    page.get_by_role("link", name="Add a staff member").click()
    page.get_by_label("Name").fill("Nia New")
    page.get_by_label("Email").fill(NEW)
    page.get_by_label("Role").select_option("interviewer")
    page.get_by_role("button", name="Add staff member").click()
    expect(page.get_by_role("heading", name="Nia New is invited")).to_be_visible()
    expect(page.locator(".flash-warning")).to_contain_text("No email was sent")
    link = page.get_by_label(f"One-time link for {NEW}").input_value()
    assert re.fullmatch(rf"{re.escape(platform.base_url)}/password/[\w-]{{43}}", link), link
    shots(page, "invited")

    # Nia, in her own browser: a common password is refused with zxcvbn's reason.
    nia = new_page()
    nia.goto(link)
    expect(nia.get_by_role("heading", name="Welcome, Nia New")).to_be_visible()
    nia.get_by_label("New password").fill("Password1234")
    nia.get_by_label("The same password again").fill("Password1234")
    nia.get_by_role("button", name="Set password").click()
    expect(nia.locator(".field-error")).to_contain_text("commonly used password")
    nia.get_by_label("New password").fill(NIA_PASSWORD)
    nia.get_by_label("The same password again").fill(NIA_PASSWORD)
    nia.get_by_role("button", name="Set password").click()
    expect(nia.locator(".flash")).to_contain_text("Your password is set")
    sign_in(nia, platform, NEW, NIA_PASSWORD)
    expect(nia.get_by_role("link", name="Staff")).to_have_count(0)  # an interviewer

    # The admin resets her password: her open session ends at once.
    page.get_by_role("link", name="Back to Nia New").click()
    page.once("dialog", lambda dialog: dialog.accept())  # "Reset the password of Nia New?"
    page.get_by_role("button", name="Reset password").click()
    expect(page.get_by_role("heading", name="The password of Nia New is reset")).to_be_visible()
    nia.reload()
    expect(nia).to_have_url(re.compile(r"/login"))

    # The audit log tells the story, newest first, and filters by object.
    page.get_by_role("link", name="Audit log").click()
    rows = page.locator(".audit-table tbody tr")
    expect(rows.first).to_contain_text("Ada Admin reset the password of Nia New")
    page.get_by_label("Object type").select_option("user")
    page.get_by_label("Object id").fill(_user_id(platform, NEW))
    page.get_by_role("button", name="Filter").click()
    expect(rows).to_have_text(
        [
            re.compile("Ada Admin reset the password of Nia New"),
            re.compile("Nia New signed in"),
            re.compile("Nia New set their own password with a one-time link"),
            re.compile(f"Ada Admin invited Nia New \\({re.escape(NEW)}\\) as interviewer"),
        ]
    )
    shots(page, "audit-log")


def _user_id(platform, email: str) -> str:
    from assessor.services import users

    with platform.db():
        return str(users.get_by_email(email).id)
