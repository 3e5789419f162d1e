"""The revisions viewer plays the candidate's saves one after another, then stops."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.e2e.live_app import live_app  # noqa: F401 - the fixture
from tests.integration.platform import wait_until
from tests.unit.rounds import Round

pytestmark = [pytest.mark.browser]
SAVES = [
    "def f():\n    return 1\n",
    "def f():\n    x = 2\n    return x\n",
    "def f():\n    return 3\n",
]


@pytest.fixture
def saved(live_app):  # noqa: F811
    from assessor.extensions import db
    from assessor.models import Draft, DraftSnapshot

    with live_app.app.app_context():
        rnd = Round()
        attempt = rnd.candidate()
        draft = Draft(attempt_id=attempt.id, item_id=rnd.code.id, files={}, revision=3)
        db.session.add(draft)
        db.session.flush()
        for number, text in enumerate(SAVES, 1):
            at = attempt.started_at + timedelta(minutes=number)
            db.session.add(
                DraftSnapshot(
                    draft_id=draft.id, revision=number, files={"solution.py": text}, created_at=at
                )
            )
        db.session.commit()
        url = f"/attempts/{attempt.id}/items/{rnd.code.id}/revisions"
        return live_app, rnd.viewer.email, url


def test_play_steps_through_every_revision_and_stops_at_the_last(new_page, saved):
    app, email, url = saved
    page = new_page()
    app.sign_in(page, email)
    page.goto(f"{app.base_url}{url}?revision=0")
    page.get_by_role("heading", name="The starter code").wait_for()
    page.get_by_role("button", name="Play").click()
    for number in (1, 2, 3):
        heading = page.get_by_role("heading", name=f"Revision {number} of 3")
        wait_until(heading.is_visible, 15, f"revision {number}")
    diff = page.locator(".code-file").first.inner_text()
    assert "-    x = 2" in diff and "+    return 3" in diff, "the change since revision 2"
    page.wait_for_timeout(2500)
    assert "revision=3" in page.url, "the last revision stays on screen"
    assert page.get_by_role("button", name="Play").is_visible()

    page.locator("#revision").fill("2")
    page.locator("#revision").dispatch_event("change")
    page.get_by_role("heading", name="Revision 2 of 3").wait_for()
    assert "revision=2" in page.url
