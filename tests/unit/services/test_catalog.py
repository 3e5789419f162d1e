import shutil

from sqlalchemy import select

import sandbox
from assessor.extensions import db
from assessor.models import Challenge, ChallengeVersion
from assessor.services import catalog
from tests.factories import make_assessment
from tests.unit.services.conftest import FIXTURES


def test_sync_stores_files_and_trusted_manifest(adder_version):
    assert adder_version.kind == "code"
    assert set(adder_version.files) == {"starter", "solution", "tests", "wrong"}
    ids = {e["id"]: e for e in adder_version.manifest}
    assert ids["public/test_adder_public.py::test_adds_small_numbers"]["points"] == 2.0
    negative = ids["hidden/test_adder_hidden.py::test_adds_negative_numbers"]
    assert negative == {
        "id": "hidden/test_adder_hidden.py::test_adds_negative_numbers",
        "points": 3.0,
        "skill": "sql",
        "visibility": "hidden",
    }
    assert ids["hidden/test_adder_hidden.py::test_adds_edge_cases[7--7]"]["skill"] == "api-design"
    assert len(ids) == 5


def test_unchanged_folder_is_a_noop_without_sandbox_run(adder_version):
    def explode(job):
        raise AssertionError("an unchanged folder must not run the sandbox")

    outcome = catalog.sync_folder(
        FIXTURES / "mini-adder", sandbox.FakeBackend(script=explode), "unused"
    )
    assert outcome.action == "unchanged" and outcome.version_id == adder_version.id
    assert db.session.scalar(select(db.func.count(ChallengeVersion.id))) == 1


def test_changed_folder_becomes_a_new_version_and_old_pins_stay(
    adder_version, tmp_path, fake_backend
):
    assessment = make_assessment(versions=[adder_version])
    folder = tmp_path / "mini-adder"
    shutil.copytree(FIXTURES / "mini-adder", folder)
    (folder / "statement.md").write_text("# Add two numbers, reworded\n", encoding="utf-8")
    outcome = catalog.sync_folder(folder, fake_backend, "unused")
    assert outcome.action == "new_version" and outcome.version_id != adder_version.id
    challenge = db.session.scalar(select(Challenge).where(Challenge.slug == "mini-adder"))
    assert challenge.current_version_id == outcome.version_id
    db.session.refresh(assessment)
    assert assessment.items[0].challenge_version_id == adder_version.id


def test_removed_folder_retires_without_deleting(adder_version, tmp_path, fake_backend):
    empty = tmp_path / "library"
    empty.mkdir()
    outcomes = catalog.sync_all(empty, fake_backend, "unused")
    assert [(o.slug, o.action) for o in outcomes] == [("mini-adder", "retired")]
    challenge = db.session.scalar(select(Challenge))
    assert challenge.retired and challenge.versions[0].id == adder_version.id


def test_invalid_folder_is_reported_not_stored(ctx, tmp_path, fake_backend):
    folder = tmp_path / "broken"
    shutil.copytree(FIXTURES / "mini-adder", folder)
    (folder / "challenge.yaml").write_text("title: [unclosed\n")
    outcome = catalog.sync_folder(folder, fake_backend, "unused")
    assert outcome.action == "invalid" and "malformed YAML" in outcome.detail
    assert db.session.scalar(select(Challenge)) is None


def test_failing_reference_is_refused(ctx, tmp_path, fake_backend):
    folder = tmp_path / "mini-adder"
    shutil.copytree(FIXTURES / "mini-adder", folder)
    shutil.copy(folder / "wrong" / "off-by-one" / "adder.py", folder / "solution" / "adder.py")
    outcome = catalog.sync_folder(folder, fake_backend, "unused")
    assert outcome.action == "reference_failed"
    assert "test_adds_negative_numbers" in outcome.detail
    assert db.session.scalar(select(Challenge)) is None


def test_design_challenge_syncs_without_running(ctx):
    outcome = catalog.sync_folder(
        FIXTURES / "mini-design", sandbox.FakeBackend(script=lambda job: 1 / 0), "unused"
    )
    assert outcome.action == "created"
    version = db.session.get(ChallengeVersion, outcome.version_id)
    assert version.manifest == [] and [c["id"] for c in version.rubric] == ["data-model", "scaling"]
