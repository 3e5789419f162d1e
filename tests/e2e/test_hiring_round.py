"""A whole hiring round in Chromium, against the real server, worker and sandbox (issue 10).

An admin adds two interviewers; the first composes an assessment from the catalog (blind review,
identities hidden from reviewers), shares it with the second as viewer and invites two
candidates, the second by bulk paste with extra time. Both candidates take it in their own
browsers; the sandbox grades the code. Both interviewers score the design rubric, the second
blind to the first until submitting. The comparison page and its CSV hold the figures computed
here by the product's rules, and the audit log tells the story. Only the first admin is made
outside the browser, as an operator would with the CLI.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from statistics import fmean

import pytest
from playwright.sync_api import expect

from assessor.services.scoring import round_percent
from tests.e2e.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.docker, pytest.mark.slow]

GRADING_MS = 120_000
TITLE = "Platform engineer, hiring round"
CODE, DESIGN = "Add two numbers", "Design a URL shortener"
ADMIN, ADMIN_NAME = "head@round.test", "Hana Head"
OWNER, OWNER_NAME, OWNER_PASSWORD = "ines@round.test", "Ines Owner", "copper lantern drifts north"
REVIEWER, REVIEWER_NAME, REVIEWER_PASSWORD = (
    "rita@round.test",
    "Rita Reviewer",
    "seven quiet herons at dusk",
)
ANN, BO = ("Ann Able", "ann@round.test"), ("Bo Bulk", "bo@round.test")
DURATION, BO_EXTRA = 40, 15
CODE_WEIGHT = 3  # the design answer keeps weight 1

# mini-adder's tests: 8 points, of which the hidden negative-numbers test (skill sql) holds 3.
WRONG_FOR_NEGATIVES = "return a + b if a >= 0 else a + b + 1"
# The scorecards: (data model of 4, scaling of 6, decision) by the owner, then the reviewer.
ANN_CARDS = ((4, 5, "yes"), (3, 6, "strong_yes"))
BO_CARDS = ((2, 4, "no"), (3, 4.5, "no"))
RUBRIC_POINTS = 10
TIMES, DASH = "\u00d7", "\u2013"  # the review page counts decisions and writes ranges with them


@dataclass(frozen=True)
class Candidate:
    name: str
    email: str
    attempt_id: int
    link: str


def design_percent(cards) -> float:
    """The design score: the mean scorecard total, as a percent of the rubric's points."""
    return 100 * fmean(model + scaling for model, scaling, _ in cards) / RUBRIC_POINTS


def total_percent(code: float, design: float) -> int:
    """The weighted total, rounded by the one rule (scoring.round_percent)."""
    return round_percent((CODE_WEIGHT * code + design) / (CODE_WEIGHT + 1))


@pytest.fixture(scope="module")
def admin(platform):
    """The first admin, made through the services as an operator's CLI would."""
    from assessor.models import Role
    from assessor.services import users

    with platform.db():
        users.create_user(users.NewUser(ADMIN, ADMIN_NAME, Role.ADMIN, PASSWORD))


def sign_in(page, platform, email: str, password: str) -> None:
    page.goto(f"{platform.base_url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def menu(page, label: str) -> None:
    """Follow a link of the main menu (pages repeat some of its words, such as "Staff")."""
    page.get_by_role("navigation", name="Main").get_by_role("link", name=label).click()


def add_staff(page, name: str, email: str, password: str) -> None:
    """Add an interviewer with a password set now (Staff → Add a staff member)."""
    menu(page, "Staff")
    page.get_by_role("link", name="Add a staff member").click()
    page.get_by_label("Name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Role").select_option("interviewer")
    page.get_by_label("Set a password now").check()
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("The same password again").fill(password)
    page.get_by_role("button", name="Add staff member").click()
    expect(page.locator(".flashes")).to_contain_text(f"Created the interviewer account {email}.")
    expect(page.get_by_role("heading", name=name)).to_be_visible()


def compose(page) -> int:
    """Pick both challenges in the catalog, set up the assessment, save it; return its id."""
    menu(page, "Catalog")
    page.get_by_label(f"Select {CODE}").check()
    page.get_by_label(f"Select {DESIGN}").check()
    page.get_by_role("button", name="Add selected to a new assessment").click()
    expect(page.get_by_role("heading", name="New assessment")).to_be_visible()
    expect(page.locator("#compose-items tbody tr")).to_have_count(2)
    page.get_by_label("Title", exact=True).fill(TITLE)
    page.get_by_label("Description for candidates").fill(
        "Write `add` in `adder.py`, then sketch a URL shortener."
    )
    page.get_by_label(f"Weight of {CODE}").fill(str(CODE_WEIGHT))
    page.get_by_label("Duration (minutes)").fill(str(DURATION))
    page.get_by_label("Blind review").check()
    page.get_by_label("Also hide candidates' names and emails from reviewers").check()
    page.get_by_role("button", name="Create assessment").click()
    expect(page.locator(".flashes")).to_contain_text(f"Created “{TITLE}”")
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    expect(page.locator("main")).to_contain_text("blind review")
    expect(page.locator("main")).to_contain_text("identities hidden from reviewers")
    return int(re.search(r"/assessments/(\d+)$", page.url).group(1))


def share_as_viewer(page) -> None:
    page.get_by_role("link", name="Sharing").click()
    page.get_by_label("Interviewer").select_option(label=f"{REVIEWER_NAME} ({REVIEWER})")
    page.get_by_label("Access", exact=True).select_option("viewer")
    page.get_by_role("button", name="Share").click()
    expect(page.locator(".flashes")).to_contain_text(f"Shared with {REVIEWER_NAME} as viewer.")
    page.get_by_role("link", name=f"← {TITLE}").click()


def invited(page, platform, name: str, email: str) -> Candidate:
    """Read the one invitation on the "Invited" page: its attempt id and its link."""
    expect(page.get_by_role("heading", name="Invited 1 candidate")).to_be_visible()
    row = page.locator("tr[data-invitation]")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(name)
    attempt_id = int(row.get_attribute("data-invitation"))
    link = page.locator(f"input#link-{attempt_id}").input_value()
    assert re.fullmatch(rf"{re.escape(platform.base_url)}/a/[\w-]+", link), link
    return Candidate(name, email, attempt_id, link)


def invite_one(page, platform, name: str, email: str) -> Candidate:
    page.get_by_role("link", name="Invite candidates").click()
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_role("button", name="Invite", exact=True).click()
    return invited(page, platform, name, email)


def invite_by_paste(page, platform, name: str, email: str, extra: int, *, taken: str) -> Candidate:
    """Paste a list with a line already invited: refused per line; then the fixed list."""
    page.get_by_role("link", name="Invite more").click()
    page.locator("#many-lines").fill(f"{name}, {email}, {extra}\nSomeone Again, {taken}")
    page.get_by_role("button", name="Check and invite").click()
    problems = page.locator("#problems")
    expect(problems).to_contain_text("No one was invited: 1 line to fix")
    expect(problems.locator("tbody tr")).to_have_count(1)
    expect(problems.locator("tbody td").first).to_have_text("2")
    expect(problems).to_contain_text(f"{taken} is already invited")
    page.locator("#many-lines").fill(f"{name}, {email}, {extra}")
    page.get_by_role("button", name="Check and invite").click()
    return invited(page, platform, name, email)


def editor(page):
    return page.locator("#editor .cm-content")


def take_assessment(page, candidate: Candidate, body: str, answer: str, minutes: str) -> None:
    """Open the link, start, write the code and the design answer, finish."""
    page.goto(candidate.link)
    expect(page.locator("h1")).to_have_text(TITLE)
    expect(page.locator(".lead code").first).to_have_text("add")  # Markdown, not raw backticks
    expect(page.locator("#duration")).to_have_text(minutes)
    page.get_by_role("button", name="Start the assessment").click()
    page.wait_for_url(re.compile(r"/work$"))
    expect(page.locator("#workspace")).to_have_attribute("data-ready", "true")

    expect(page.locator(".statement:visible")).to_contain_text("Write add(a: int, b: int)")
    editor(page).click()
    page.keyboard.press("Control+A")
    page.keyboard.type("def add(a: int, b: int) -> int:")
    page.keyboard.press("Enter")  # the editor indents the body by itself
    page.keyboard.type(body)
    expect(editor(page)).to_contain_text(body)

    page.locator(".item-link", has_text=DESIGN).click()
    expect(page.locator("#file-tabs [role=tab]")).to_have_text(["answer.md"])
    editor(page).click()
    page.keyboard.press("Control+End")
    page.keyboard.type(f"\n{answer}\n")
    expect(page.locator("#save-state")).to_have_text("All changes saved", timeout=15_000)

    page.get_by_role("button", name="Finish assessment").click()
    dialog = page.locator("#confirm")
    expect(dialog).to_contain_text("Finish the assessment?")  # both opened, both changed
    page.get_by_role("button", name="Finish and submit all").click()
    page.wait_for_url(re.compile(r"/done$"))
    expect(page.locator(f'li:has-text("{DESIGN}") .final-state')).to_have_text(
        "received for review"
    )


def progress_row(page, candidate: Candidate):
    return page.locator(f'#progress tr[data-attempt="{candidate.attempt_id}"]')


def field(row, name: str):
    return row.locator(f'[data-field="{name}"]')


def review_link(page, name: str) -> None:
    """Open a candidate's scorecard from the dashboard, through their report."""
    page.get_by_role("link", name=name, exact=True).click()
    page.get_by_role("link", name="Write your scorecard").click()
    expect(page.get_by_role("heading", name=f"Scorecard: {name}")).to_be_visible()


def submit_scorecard(page, card: tuple, notes: str) -> None:
    model, scaling, decision = card
    page.get_by_label("Data model").fill(f"{model:g}")
    page.get_by_label("Scaling").fill(f"{scaling:g}")
    page.get_by_label("Notes (Markdown)").fill(notes)
    page.get_by_label("Decision", exact=True).select_option(decision)
    page.get_by_role("button", name="Submit scorecard").click()
    expect(page.locator(".flashes")).to_have_text("Scorecard submitted.")


def cells(row):
    return row.locator("th, td")


def test_a_whole_hiring_round_in_the_browser(platform, admin, new_page, shots):
    # 1. The admin adds the two interviewers, with passwords the policy accepts.
    head = new_page()
    sign_in(head, platform, ADMIN, PASSWORD)
    add_staff(head, OWNER_NAME, OWNER, OWNER_PASSWORD)
    add_staff(head, REVIEWER_NAME, REVIEWER, REVIEWER_PASSWORD)
    menu(head, "Staff")
    for name in (OWNER_NAME, REVIEWER_NAME):
        expect(head.locator(".staff-table tr", has_text=name)).to_contain_text("interviewer")
    shots(head, "staff-added")

    # 2. The first interviewer composes from the catalog, shares, invites one and pastes one.
    owner = new_page()
    sign_in(owner, platform, OWNER, OWNER_PASSWORD)
    assessment_id = compose(owner)
    shots(owner, "assessment-created")
    share_as_viewer(owner)
    ann = invite_one(owner, platform, *ANN)
    shots(owner, "invited-one")
    bo = invite_by_paste(owner, platform, *BO, BO_EXTRA, taken=ANN[1])
    shots(owner, "invited-by-paste")

    owner.goto(f"{platform.base_url}/assessments/{assessment_id}")
    for candidate in (ann, bo):
        expect(field(progress_row(owner, candidate), "status")).to_have_text("invited")

    # 3. Both candidates take it in their own browsers; Bo's code fails a hidden test.
    ann_page = new_page()
    take_assessment(
        ann_page,
        ann,
        "return a + b",
        "Keys: a base62 id per URL. Shard by id, cache the hot keys.",
        f"{DURATION} minutes",
    )
    shots(ann_page, "ann-done")
    bo_page = new_page()
    take_assessment(
        bo_page,
        bo,
        WRONG_FOR_NEGATIVES,
        "One table of short codes. Add replicas when it gets slow.",
        f"{DURATION + BO_EXTRA} minutes ({DURATION} + {BO_EXTRA} extra)",
    )
    shots(bo_page, "bo-done")

    # The owner's dashboard follows grading by itself; the design answers wait for review.
    code_b = 100 * 5 / 8
    for candidate, code_text in ((ann, "100%"), (bo, f"{round_percent(code_b)}%")):
        row = progress_row(owner, candidate)
        expect(row.locator("td[data-item]")).to_have_text(
            [f"graded {code_text}", "pending review"], timeout=GRADING_MS
        )
        expect(field(row, "status")).to_have_text("graded")
        expect(field(row, "total")).to_have_text("pending review")
    shots(owner, "graded-live")

    # 4. The owner scores Ann first.
    review_link(owner, ann.name)
    submit_scorecard(owner, ANN_CARDS[0], "OWNER-NOTES: clear data model.")
    expect(owner.locator(".review-card")).to_have_count(1)
    shots(owner, "owner-scored-ann")

    # The reviewer sees neither names (a viewer, identities hidden) nor the owner's scorecard.
    rita = new_page()
    sign_in(rita, platform, REVIEWER, REVIEWER_PASSWORD)
    waiting = rita.locator(
        "section", has=rita.get_by_role("heading", name="Waiting for your review")
    )
    expect(waiting.get_by_role("link")).to_have_text(
        [f"Candidate {ann.attempt_id}", f"Candidate {bo.attempt_id}"]
    )
    expect(rita.locator("main")).not_to_contain_text(ann.name)
    rita.get_by_role("link", name=TITLE).click()
    ann_row = progress_row(rita, ann)
    expect(field(ann_row, "candidate")).to_have_text(f"Candidate {ann.attempt_id}")
    expect(ann_row.locator("td[data-item]").nth(1)).to_have_text("review hidden")
    expect(field(ann_row, "total")).to_have_text("hidden until you submit your review")
    expect(field(ann_row, "decision")).to_have_text("hidden until you review")
    shots(rita, "reviewer-dashboard-blind")

    review_link(rita, f"Candidate {ann.attempt_id}")
    reviews = rita.locator("#reviews")
    expect(reviews).to_contain_text(
        "Blind review: 1 scorecard from other reviewers appears once you submit yours."
    )
    expect(rita.locator(".review-card")).to_have_count(0)
    expect(rita.locator("table.spread")).to_have_count(0)
    expect(reviews).not_to_contain_text("yes")
    main = rita.locator("main")
    for secret in (OWNER_NAME, "OWNER-NOTES", ann.name, ann.email):
        expect(main).not_to_contain_text(secret)
    expect(rita.get_by_label("Data model")).to_have_value("")
    expect(rita.get_by_label("Scaling")).to_have_value("")
    expect(rita.locator("fieldset", has_text=DESIGN)).to_contain_text("review hidden")
    shots(rita, "reviewer-blind")

    submit_scorecard(rita, ANN_CARDS[1], "Solid scaling story.")
    # Now the spread: each reviewer's points, their mean and range, and both decisions.
    expect(rita.locator(".review-card")).to_have_count(2)
    expect(reviews).to_contain_text(f"1 {TIMES} yes")
    expect(reviews).to_contain_text(f"1 {TIMES} strong yes")
    expect(reviews).to_contain_text("OWNER-NOTES: clear data model.")
    spread = rita.locator("table.spread")
    expect(spread.locator("thead th")).to_have_text(
        ["Criterion", "Points", OWNER_NAME, REVIEWER_NAME, "Mean", "Range", "Guidance"]
    )
    rows = spread.locator("tbody tr")
    expect(cells(rows.nth(0))).to_have_text(
        ["Data model", "4", "4", "3", "3.5", f"3{DASH}4", "Keys, uniqueness, expiry."]
    )
    expect(cells(rows.nth(1))).to_have_text(
        ["Scaling", "6", "5", "6", "5.5", f"5{DASH}6", "Sharding, caching, hot keys."]
    )
    expect(cells(rows.nth(2))).to_have_text(["Total", "10", "9", "9", "9.0", f"9{DASH}9", ""])
    shots(rita, "reviewer-sees-spread")

    # Bo is reviewed by both too, so both totals are final.
    owner.goto(f"{platform.base_url}/assessments/{assessment_id}")
    review_link(owner, bo.name)
    submit_scorecard(owner, BO_CARDS[0], "Thin on scaling.")
    menu(rita, "Home")
    rita.get_by_role("link", name=f"Candidate {bo.attempt_id}", exact=True).click()
    expect(rita.locator("#reviews")).to_contain_text("1 scorecard from other reviewers appears")
    submit_scorecard(rita, BO_CARDS[1], "Replicas alone will not do.")

    # 5. The figures, computed here by the product's rules: mean scorecards, weights, rounding.
    design_a, design_b = design_percent(ANN_CARDS), design_percent(BO_CARDS)
    assert (design_a, design_b) == (90, 67.5)
    expected = {
        ann: {
            "items": [100, round_percent(design_a)],
            "skills": {"api-design": 100, "sql": 100, "system-design": round_percent(design_a)},
            "total": total_percent(100, design_a),
            "decisions": ["yes", "strong yes"],
        },
        bo: {
            "items": [round_percent(code_b), round_percent(design_b)],
            "skills": {"api-design": 100, "sql": 0, "system-design": round_percent(design_b)},
            "total": total_percent(code_b, design_b),
            "decisions": ["no", "no"],
        },
    }
    assert [expected[c]["total"] for c in (ann, bo)] == [98, 64]  # 97.5 and 63.75, halves up

    owner.goto(f"{platform.base_url}/assessments/{assessment_id}")
    for candidate, figures in expected.items():
        row = progress_row(owner, candidate)
        expect(field(row, "status")).to_have_text("decided")
        expect(field(row, "total")).to_have_text(f"{figures['total']}%")
        expect(field(row, "decision")).to_have_text(" ".join(figures["decisions"]))
    shots(owner, "dashboard-decided")

    owner.get_by_role("link", name="Compare candidates").click()
    table = owner.locator("table.compare tbody tr")
    expect(table).to_have_count(2)
    assert [int(r.get_attribute("data-attempt")) for r in table.all()] == [
        ann.attempt_id,
        bo.attempt_id,
    ], "sorted by total, highest first"
    for candidate, figures in expected.items():
        row = owner.locator(f'table.compare tr[data-attempt="{candidate.attempt_id}"]')
        expect(row.locator('[data-col="candidate"]')).to_contain_text(candidate.email)
        expect(row.locator('[data-col="status"]')).to_have_text("decided")
        expect(row.locator('td[data-col^="item-"]')).to_have_text(
            [f"{p}%" for p in figures["items"]]
        )
        for skill, percent in figures["skills"].items():
            expect(row.locator(f'[data-col="skill-{skill}"]')).to_have_text(f"{percent}%")
        expect(row.locator('[data-col="total"]')).to_have_text(f"{figures['total']}%")
        expect(row.locator('[data-col="decision"]')).to_have_text(" ".join(figures["decisions"]))
    shots(owner, "compare")

    with owner.expect_download() as download:
        owner.get_by_role("link", name="Export CSV").click()
    assert download.value.suggested_filename == f"assessment-{assessment_id}-candidates.csv"
    text = download.value.path().read_text(encoding="utf-8-sig")
    lines = list(csv.DictReader(io.StringIO(text)))
    assert [line["Candidate"] for line in lines] == [ann.name, bo.name]
    for line, (candidate, figures) in zip(lines, expected.items(), strict=True):
        assert line["Email"] == candidate.email
        assert line["Status"] == "decided"
        assert [line[f"{CODE} (%)"], line[f"{DESIGN} (%)"]] == [str(p) for p in figures["items"]]
        for skill, percent in figures["skills"].items():
            assert line[f"{skill} (%)"] == str(percent), (skill, line)
        assert line["Total (%)"] == str(figures["total"]) and line["Total note"] == ""
        assert line["Decisions"] == "; ".join(figures["decisions"])
        assert line["Scorecards submitted"] == "2"

    # The viewer compares the same figures under hidden names.
    rita.goto(f"{platform.base_url}/assessments/{assessment_id}/compare")
    expect(rita.locator("main")).to_contain_text("Names are hidden from reviewers")
    hidden = rita.locator(f'table.compare tr[data-attempt="{ann.attempt_id}"]')
    expect(hidden.locator('[data-col="candidate"]')).to_have_text(f"Candidate {ann.attempt_id}")
    expect(hidden.locator('[data-col="total"]')).to_have_text(f"{expected[ann]['total']}%")
    expect(rita.locator("main")).not_to_contain_text(ann.email)
    shots(rita, "reviewer-compare")

    # 6. The audit log, as the admin, person by person, newest first.
    menu(head, "Audit log")
    quoted = f"“{TITLE}”"
    audit_rows = head.locator(".audit-table tbody tr")

    def read_log(who: str, sentences: list[str]) -> None:
        head.get_by_label("Who", exact=True).select_option(label=who)
        head.get_by_role("button", name="Filter").click()
        expect(audit_rows).to_have_text([re.compile(re.escape(s)) for s in sentences])
        # Every step was taken in a browser: each entry keeps the address it came from.
        expect(audit_rows.locator("td:last-child")).to_have_text(["127.0.0.1"] * len(sentences))

    read_log(
        f"{OWNER_NAME} ({OWNER})",
        [
            f"{OWNER_NAME} exported the comparison of {quoted} as csv.",
            f"{OWNER_NAME} submitted a scorecard for {bo.name} ({bo.email}).",
            f"{OWNER_NAME} submitted a scorecard for {ann.name} ({ann.email}).",
            f"{OWNER_NAME} invited the candidate {bo.name} ({bo.email}).",
            f"{OWNER_NAME} invited the candidate {ann.name} ({ann.email}).",
            f"{OWNER_NAME} pinned the challenge versions of {quoted}.",
            f"{OWNER_NAME} shared {quoted} with {REVIEWER}.",
            f"{OWNER_NAME} created the assessment {quoted}.",
            f"{OWNER_NAME} signed in.",
        ],
    )
    bulk = audit_rows.nth(3).locator(".details div", has_text="extra minutes")
    expect(bulk.locator("dd")).to_have_text(str(BO_EXTRA))
    shots(head, "audit-owner")
    read_log(
        f"{REVIEWER_NAME} ({REVIEWER})",
        [
            f"{REVIEWER_NAME} submitted a scorecard for {bo.name} ({bo.email}).",
            f"{REVIEWER_NAME} submitted a scorecard for {ann.name} ({ann.email}).",
            f"{REVIEWER_NAME} signed in.",
        ],
    )
    read_log(
        f"{ADMIN_NAME} ({ADMIN})",
        [
            f"{ADMIN_NAME} created the interviewer account {REVIEWER_NAME} ({REVIEWER}).",
            f"{ADMIN_NAME} created the interviewer account {OWNER_NAME} ({OWNER}).",
            f"{ADMIN_NAME} signed in.",
        ],
    )
    shots(head, "audit-admin")
