"""The judging rules of runnable kinds' validation, fed with hand-made sandbox results."""

from pathlib import Path

import pytest

from assessor.challenges import read_challenge
from assessor.challenges.proof import judge
from assessor.challenges.scoring import build_manifest
from sandbox import Outcome, Result, RunStatus, TestOutcome

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "challenges"
IDS = ["public/test_a.py::t1", "hidden/test_b.py::t2", "hidden/test_b.py::t3"]


@pytest.fixture
def spec():
    return read_challenge(FIXTURES / "mini-adder")


def run(failing=(), status=RunStatus.COMPLETED, seconds=1.0, skill=None):
    tests = tuple(
        TestOutcome(i, Outcome.FAILED if i in failing else Outcome.PASSED, 0.1, "", None, skill)
        for i in IDS
    )
    return Result(
        status=status,
        tests=tests,
        exit_code=0,
        duration_s=seconds,
        stdout_tail="",
        stderr_tail="",
        missing=(),
        unexpected=(),
        flags=(),
        detail="why",
    )


def checks(report):
    return {c.name: c.ok for c in report.checks}


def good_runs():
    return {
        "reference (repeat)": run(),
        "starter": run(failing=IDS),
        "wrong/off-by-one": run(failing=IDS[1:2]),
    }


def test_sound_challenge_passes_every_check(spec):
    first = run()
    report = judge(spec, first, build_manifest(first, "sql"), good_runs())
    assert report.ok, report.checks


def test_failing_reference_fails(spec):
    first = run(failing=IDS[2:])
    report = judge(spec, first, build_manifest(first, "sql"), good_runs())
    assert checks(report)["reference passes"] is False


def test_flaky_reference_fails(spec):
    first = run()
    runs = good_runs() | {"reference (repeat)": run(failing=IDS[:1])}
    report = judge(spec, first, build_manifest(first, "sql"), runs)
    assert checks(report)["deterministic"] is False


def test_starter_reaching_all_hidden_points_fails(spec):
    first = run()
    runs = good_runs() | {"starter": run(failing=IDS[:1])}  # only the public test fails
    report = judge(spec, first, build_manifest(first, "sql"), runs)
    assert checks(report)["starter incomplete"] is False


def test_wrong_solution_scoring_full_marks_fails(spec):
    first = run()
    runs = good_runs() | {"wrong/off-by-one": run()}
    report = judge(spec, first, build_manifest(first, "sql"), runs)
    assert checks(report)["wrong/off-by-one caught"] is False


def test_slow_reference_fails_headroom(spec):
    first = run(seconds=15.0)  # the fixture's limit is 20 s
    report = judge(spec, first, build_manifest(first, "sql"), good_runs())
    assert checks(report)["time headroom"] is False


def test_unknown_skill_marker_fails(spec):
    first = run(skill="databases")
    report = judge(spec, first, build_manifest(first, "sql"), good_runs())
    assert checks(report)["skills"] is False


def test_timed_out_reference_reports_why(spec):
    first = run(status=RunStatus.TIMED_OUT)
    report = judge(spec, first, build_manifest(first, "sql"), good_runs())
    reference = next(c for c in report.checks if c.name == "reference passes")
    assert not reference.ok and reference.detail == "why"


def test_skill_marker_outside_the_challenges_skills_fails(spec):
    first = run(skill="caching")  # in the vocabulary, but mini-adder declares api-design, sql
    report = judge(spec, first, build_manifest(first, "sql"), good_runs())
    skills = next(c for c in report.checks if c.name == "skills")
    assert not skills.ok and "not in challenge.yaml skills: caching" in skills.detail
