"""The dashboard updates by itself, exactly as a reload would show it: the four things seen.

A new submitter's name becomes a report link, the deadline appears, a total of 82.5% reads 83%
live and after a reload, and the histogram refreshes; a newly invited candidate gets a row.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.e2e.live_app import live_app  # noqa: F401 - the fixture
from tests.integration.platform import wait_until
from tests.unit.rounds import Round

pytestmark = [pytest.mark.browser]
POLL = 30  # seconds: the page polls every 10 s when nothing is being graded


@pytest.fixture
def seeded(live_app):  # noqa: F811
    from assessor.models import AttemptStatus

    with live_app.app.app_context():
        rnd = Round()
        waiting = rnd.candidate("Nia Newcomer", status=AttemptStatus.INVITED)
        # Plain values: the rows are detached once this app context ends.
        return live_app, SimpleNamespace(
            owner=rnd.owner.email,
            viewer=rnd.viewer.id,
            assessment=rnd.assessment.id,
            code=rnd.code.id,
            design=rnd.design.id,
            attempt=waiting.id,
        )


def cell(row, field):
    return row.locator(f'[data-field="{field}"]').inner_text().strip()


def test_live_updates_read_as_the_server_renders(new_page, seeded, shots):
    from assessor.extensions import db
    from assessor.models import (
        Assessment,
        AttemptStatus,
        Decision,
        Review,
        Submission,
        SubmissionStatus,
        utcnow,
    )
    from assessor.services import attempts, finalization
    from tests.factories import make_attempt

    app, ids = seeded
    page = new_page()
    app.sign_in(page, ids.owner)
    page.goto(f"{app.base_url}/assessments/{ids.assessment}")
    row = page.locator(f'tr[data-attempt="{ids.attempt}"]')
    assert cell(row, "deadline") == "—" and row.locator("a").count() == 0
    assert page.locator("#histogram").is_hidden()

    with app.app.app_context():
        attempts.start(ids.attempt)
        late = make_attempt(
            db.session.get(Assessment, ids.assessment), status=AttemptStatus.INVITED
        )
        late_id, late_name = late.id, late.candidate_name
    wait_until(lambda: row.get_by_role("link", name="Nia Newcomer").count(), POLL, "a report link")
    assert cell(row, "deadline").endswith("UTC"), "the deadline appears once started"
    assert "in progress" in cell(row, "status") and "left" in cell(row, "status")
    new_row = page.locator(f'tr[data-attempt="{late_id}"]')
    wait_until(lambda: new_row.count(), POLL, "the newly invited candidate's row")
    assert late_name in cell(new_row, "candidate") and cell(new_row, "status") == "invited"
    shots(page, "started")

    with app.app.app_context():
        finalization.finish_attempt(ids.attempt)
        final = db.session.query(Submission).filter_by(attempt_id=ids.attempt, item_id=ids.code)
        final = final.one()
        final.status, final.score, final.max_score = SubmissionStatus.GRADED, 3.3, 4.0  # 82.5%
        db.session.add(
            Review(
                attempt_id=ids.attempt,
                reviewer_id=ids.viewer,
                rubric_scores={str(ids.design): {"data-model": 3.3, "scaling": 4.95}},  # 82.5%
                notes="",
                decision=Decision.YES,
                submitted_at=utcnow(),
            )
        )
        db.session.commit()
    wait_until(lambda: cell(row, "total") == "83%", POLL, "the live total")
    assert "yes" in cell(row, "decision") and "decided" in cell(row, "status")
    assert page.locator("#histogram").is_visible()
    assert page.locator('[data-bar="8"]').get_attribute("height") == "120"
    assert page.locator('[data-count="8"]').text_content() == "1"
    shots(page, "decided-live")

    live = {f: cell(row, f) for f in ("candidate", "status", "deadline", "total", "decision")}
    page.reload()
    row = page.locator(f'tr[data-attempt="{ids.attempt}"]')
    assert {f: cell(row, f) for f in live} == live, "a reload shows what the live update showed"
