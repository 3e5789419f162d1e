"""Every registered kind passes the same contract tests; a new kind must pass them too."""

import pytest

import sandbox
from assessor.challenges.reader import read_challenge
from assessor.kinds import (
    ChallengeKindPlugin,
    KindNotInstalled,
    Material,
    NotRunnable,
    Scoring,
    find_kind,
    get_kind,
    kind_names,
)
from tests.unit.kinds.conftest import FIXTURE_OF, FIXTURES, ROOT, as_run, reference_files

REPORT_PARTIALS = ROOT / "templates" / "staff" / "report"


def test_every_registered_kind_has_a_fixture_challenge():
    assert set(kind_names()) == set(FIXTURE_OF)


def test_a_kind_describes_itself_to_authors_staff_and_candidates(kind):
    assert isinstance(kind, ChallengeKindPlugin) and kind.installed
    assert get_kind(kind.name) is kind
    assert kind.description.strip() and kind.label.strip()
    assert kind.editor in ("code", "markdown")
    assert isinstance(kind.runnable, bool) and kind.scoring in Scoring


@pytest.mark.parametrize("name", [*kind_names(), "not-a-kind"])
def test_every_report_section_has_its_partial(name):
    kind = find_kind(name)
    assert kind.report_sections
    for section in kind.report_sections:
        assert (REPORT_PARTIALS / f"{section}.html").is_file(), section


def test_runnable_kinds_are_proved_by_tests_and_scored_automatically(kind):
    if kind.runnable:
        assert kind.folder.needs("tests") and kind.folder.needs("solution")
        assert kind.scoring is Scoring.AUTOMATIC
    else:
        assert kind.scoring is Scoring.MANUAL


def test_the_fixture_reads_as_its_kind(kind, spec):
    assert spec.kind == kind.name


def test_a_public_run_never_carries_hidden_tests(kind, spec):
    material = Material.of_spec(spec)
    public = kind.test_files(material, "public")
    assert not any(path.startswith("hidden/") for path in public)
    job = kind.build_job(material, reference_files(kind, spec), which="public", image="img")
    if kind.runnable:
        assert dict(job.tests) == public
    else:
        assert job is None and public == {}


def test_a_full_run_carries_every_test_and_the_candidates_files_over_the_starter(kind, spec):
    files = reference_files(kind, spec)
    job = kind.build_job(Material.of_spec(spec), files, which="all", image="img")
    if not kind.runnable:
        assert job is None
        return
    assert isinstance(job, sandbox.Job) and job.image == "img"
    assert set(spec.tests) <= set(job.tests)
    assert dict(job.files) == as_run(kind, spec, files)
    assert job.limits.wall_s == spec.limits["timeout_s"]


def test_the_reference_scores_full_marks_against_the_trusted_manifest(kind, spec, fake_backend):
    manifest = kind.trusted_manifest(spec, fake_backend, "img")
    if not kind.runnable:
        assert manifest == []
        with pytest.raises(NotRunnable):
            kind.score(manifest, sandbox.Result.infrastructure_error("unused"))
        return
    job = kind.build_job(
        Material.of_spec(spec), reference_files(kind, spec), which="all", image="img"
    )
    card = kind.score(manifest, sandbox.run(job, fake_backend))
    assert card.max_score > 0 and card.score == card.max_score


@pytest.mark.parametrize("name", [n for n in kind_names() if get_kind(n).runnable])
def test_a_test_missing_from_the_run_counts_as_failed(name, fake_backend):
    kind = get_kind(name)
    spec = read_challenge(FIXTURES / FIXTURE_OF[name])
    manifest = kind.trusted_manifest(spec, fake_backend, "img")
    card = kind.score(manifest, sandbox.Result.infrastructure_error("engine down"))
    assert card.score == 0 and len(card.tests) == len(manifest)


def test_the_fixture_validates(kind, spec, fake_backend):
    report = kind.validate(spec, fake_backend, "img", parallel=2)
    assert report.ok, report.checks
    assert report.kind == kind.name and report.slug == spec.slug


def test_the_stand_in_for_a_missing_kind_shows_but_never_runs_or_scores(spec, fake_backend):
    missing = find_kind("quiz")
    assert not missing.installed and not missing.runnable
    assert "quiz" in missing.label and "not installed" in missing.description
    material = Material.of_spec(spec)
    assert missing.test_files(material, "public") == {}
    for call in (
        lambda: missing.build_job(material, {}, which="all", image="img"),
        lambda: missing.score([], sandbox.Result.infrastructure_error("unused")),
        lambda: missing.trusted_manifest(spec, fake_backend, "img"),
        lambda: missing.validate(spec, fake_backend, "img"),
    ):
        with pytest.raises(KindNotInstalled, match="kind 'quiz' is not installed"):
            call()
