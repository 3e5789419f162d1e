"""Printing a report from Chromium gives a clean PDF holding the candidate's results."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from tests.conftest import services_required
from tests.e2e.live_app import live_app  # noqa: F401 - the fixture
from tests.unit.rounds import Round

pytestmark = [pytest.mark.browser]

LONG_LINE = "    return " + " + ".join(f"value_{n}" for n in range(60)) + "\n"


def pdf_text(path, *pages: int) -> str:
    """Return the PDF's text as poppler's pdftotext lays it out (a page range if given)."""
    if shutil.which("pdftotext") is None:
        message = "pdftotext (poppler-utils) is missing: scripts/ensure-services installs it"
        if services_required():
            pytest.fail(message)
        pytest.skip(message)
    first_last = ["-f", str(pages[0]), "-l", str(pages[-1])] if pages else []
    done = subprocess.run(
        ["pdftotext", "-layout", *first_last, str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def page_count(path) -> int:
    done = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    return int(
        next(line for line in done.stdout.splitlines() if line.startswith("Pages:")).split()[1]
    )


@pytest.fixture
def reviewed(live_app):  # noqa: F811
    from assessor.extensions import db
    from assessor.models import Submission

    with live_app.app.app_context():
        rnd = Round()
        attempt = rnd.candidate("Ada Lovelace")
        rnd.graded(attempt, 3.0, answer="# Plan\n\nShard the links table by **hash of the key**.")
        code = db.session.query(Submission).filter_by(item_id=rnd.code.id).one()
        code.files = {"solution.py": "def total(*values):\n" + LONG_LINE}
        review = rnd.review(attempt, rnd.viewer, 2, 4, "yes")
        review.notes = "Clear data model; the **hot key** answer was thin."
        db.session.commit()
        return live_app, rnd.owner.email, attempt.id


def test_the_printed_report_is_a_clean_pdf_with_the_results(new_page, reviewed, tmp_path):
    app, email, attempt_id = reviewed
    page = new_page()
    app.sign_in(page, email)
    page.goto(f"{app.base_url}/attempts/{attempt_id}/print")
    page.get_by_role("heading", name="Ada Lovelace").wait_for()
    target = tmp_path / "report.pdf"
    data = page.pdf(path=str(target), format="A4", print_background=True)
    assert data.startswith(b"%PDF-") and len(data) > 10_000

    text = pdf_text(target)
    # The results: who, the total (code 75%, design 6/10: 67.5% shows as 68%), the parts.
    for expected in (
        "Ada Lovelace",
        "Weighted total",
        "68%",
        "Data model",
        "Scaling",
        "hot key",
        "Shard the links table",
        "Timeline",
        "Integrity signals",
    ):
        assert expected in text, expected
    # The screen's chrome stays off paper: no menu, no buttons, no back link.
    for chrome in ("Sign out", "Print or save as PDF", "Back to the report", "Catalog"):
        assert chrome not in text, chrome
    # The first page opens with the candidate and the total, not with a menu.
    first = pdf_text(target, 1)
    assert first.index("Ada Lovelace") < first.index("68%") < 1500
    # Long code wraps instead of running off the page: its last term is printed.
    assert "value_59" in text
    assert 1 <= page_count(target) <= 6
