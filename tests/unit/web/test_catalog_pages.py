"""The catalog pages: browse with filters, open a challenge, see who uses each version."""

import re

import pytest

import sandbox
from assessor.extensions import db
from assessor.models import AssessmentShare, ChallengeVersion, Role
from assessor.services import assessments, catalog
from tests.factories import make_assessment, make_user
from tests.unit.services.conftest import FIXTURES


@pytest.fixture
def synced(ctx):
    """The three fixture challenges, synced with the fake sandbox: code, design and http-api."""
    backend = sandbox.FakeBackend()
    outcomes = catalog.sync_all(FIXTURES, backend, "unused")
    assert all(o.ok for o in outcomes), outcomes
    return {o.slug: db.session.get(ChallengeVersion, o.version_id) for o in outcomes}


@pytest.fixture
def interviewer(ctx, auth):
    user = make_user(Role.INTERVIEWER)
    auth.login(user.email)
    return user


def _listed(client, query=""):
    html = client.get(f"/catalog/{query}").get_data(as_text=True)
    return re.findall(r'href="/catalog/challenges/([\w-]+)"', html)


@pytest.mark.parametrize(
    ("query", "slugs"),
    [
        ("", ["mini-adder", "mini-design", "mini-service", "mini-http-api"]),
        ("?skill=sql", ["mini-adder"]),
        ("?skill=system-design", ["mini-design"]),
        ("?kind=http-api", ["mini-http-api"]),
        ("?difficulty=medium", ["mini-design"]),
        ("?minutes=15", ["mini-adder", "mini-service", "mini-http-api"]),
        ("?q=greet", ["mini-service", "mini-http-api"]),
        ("?skill=api-design&kind=code", ["mini-adder"]),
        (
            "?skill=nonsense&kind=nope&minutes=x",
            ["mini-adder", "mini-design", "mini-service", "mini-http-api"],
        ),
    ],
)
def test_filters_narrow_the_library(client, interviewer, synced, query, slugs):
    assert _listed(client, query) == slugs


def test_filter_choices_come_from_the_library_and_the_kind_registry(client, interviewer, synced):
    html = client.get("/catalog/").get_data(as_text=True)
    kinds = re.search(r'<select id="kind".*?</select>', html, re.S)[0]
    assert re.findall(r'value="([\w-]+)"', kinds) == ["code", "http-api", "design", "service"]
    skills = re.search(r'<select id="skill".*?</select>', html, re.S)[0]
    assert re.findall(r'value="([\w-]+)"', skills) == ["api-design", "sql", "system-design"]


def test_retired_challenges_leave_the_catalog(client, interviewer, synced):
    synced["mini-design"].challenge.retired_at = synced["mini-design"].created_at
    db.session.commit()
    assert _listed(client) == ["mini-adder", "mini-service", "mini-http-api"]
    page = client.get("/catalog/challenges/mini-design").get_data(as_text=True)
    assert "This challenge was retired" in page and "Add to a new assessment" not in page


def test_interviewers_can_pick_challenges_for_a_new_assessment(client, interviewer, synced):
    html = client.get("/catalog/").get_data(as_text=True)
    assert 'form="compose" name="challenge" value="mini-adder"' in html
    assert "Add selected to a new assessment" in html
    page = client.get("/catalog/challenges/mini-adder").get_data(as_text=True)
    assert 'href="/assessments/new?challenge=mini-adder"' in page


def test_an_author_browses_but_does_not_compose(client, auth, synced):
    auth.login(make_user(Role.AUTHOR).email)
    html = client.get("/catalog/").get_data(as_text=True)
    assert "Add selected to a new assessment" not in html and "Sync library" in html
    assert "Add to a new assessment" not in client.get("/catalog/challenges/mini-adder").get_data(
        as_text=True
    )


def test_a_challenge_page_shows_content_points_and_validation(client, interviewer, synced):
    html = client.get("/catalog/challenges/mini-adder").get_data(as_text=True)
    assert "Add two numbers" in html
    assert "test_adder_public.py" in html and "test_adder_hidden.py" in html
    assert "Hidden tests" in html and "staff only" in html
    # Points per skill from the trusted manifest: public and hidden, per skill.
    points = re.search(r"<h2>Points</h2>.*?</table>", html, re.S)[0]
    assert re.findall(r"<td>([\w-]+)</td>", points) == ["api-design", "sql"]
    assert "The reference solution passed all 5 tests (2 public, 3 hidden, 8 points)" in html


def test_a_design_challenge_shows_its_rubric_and_says_nothing_runs(client, interviewer, synced):
    html = client.get("/catalog/challenges/mini-design").get_data(as_text=True)
    assert "Nothing runs for this kind" in html and "Rubric" in html
    assert "Hidden tests" not in html


def test_statement_is_sanitized_and_code_is_escaped(client, interviewer, synced):
    version = synced["mini-adder"]
    version.statement = "# Task\n\n<img src=x onerror=alert(1)> [a](javascript:alert(1))"
    files = dict(version.files)
    files["tests"] = dict(files["tests"]) | {
        "hidden/test_x.py": "# </pre><script>alert(2)</script>"
    }
    version.files = files
    db.session.commit()
    html = client.get("/catalog/challenges/mini-adder").get_data(as_text=True)
    assert "<script>alert(2)" not in html and "<img" not in html
    assert "&lt;/pre&gt;&lt;script&gt;" in html
    assert 'href="javascript' not in html


def test_versions_list_who_pins_them_within_the_viewers_sight(client, interviewer, synced):
    version = synced["mini-adder"]
    mine = make_assessment(interviewer, versions=[version])
    assessments.pin(mine.id)
    someone = make_user(Role.INTERVIEWER)
    theirs = make_assessment(someone, versions=[version])
    shared = make_assessment(someone, versions=[version])
    db.session.add(AssessmentShare(assessment_id=shared.id, user_id=interviewer.id))
    db.session.commit()
    html = client.get("/catalog/challenges/mini-adder").get_data(as_text=True)
    versions = html.split("<h2>Versions</h2>", 1)[1]
    assert mine.title in versions and shared.title in versions
    assert theirs.title not in versions
    assert "and 1 assessment you cannot see" in versions
    assert "pinned" in versions and "not sent yet" in versions


def test_an_older_version_can_be_read(client, interviewer, synced, tmp_path):
    import shutil

    old = synced["mini-adder"]
    folder = tmp_path / "mini-adder"
    shutil.copytree(FIXTURES / "mini-adder", folder)
    (folder / "statement.md").write_text("# Add, reworded\n", encoding="utf-8")
    catalog.sync_folder(folder, sandbox.FakeBackend(), "unused")
    page = client.get(f"/catalog/challenges/mini-adder?version={old.id}").get_data(as_text=True)
    assert "not the current one" in page
    assert client.get("/catalog/challenges/mini-adder?version=99999").status_code == 404
    assert client.get("/catalog/challenges/no-such-thing").status_code == 404
