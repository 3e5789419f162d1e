import pytest

from assessor.challenges.scoring import build_manifest, score_result
from assessor.services.scoring import weighted_percent
from sandbox import Flag, Outcome, Result, RunStatus, TestOutcome

MANIFEST = [
    {"id": "public/t.py::a", "points": 1.0, "skill": "sql", "visibility": "public"},
    {"id": "hidden/t.py::b", "points": 3.0, "skill": "sql", "visibility": "hidden"},
    {"id": "hidden/t.py::c", "points": 2.0, "skill": "caching", "visibility": "hidden"},
]


def result(*tests, status=RunStatus.COMPLETED, flags=()):
    return Result(
        status=status,
        tests=tuple(tests),
        exit_code=0,
        duration_s=1.0,
        stdout_tail="",
        stderr_tail="",
        missing=(),
        unexpected=(),
        flags=flags,
        detail="",
    )


def outcome(test_id, outcome=Outcome.PASSED, points=None, skill=None, message=""):
    return TestOutcome(test_id, outcome, 0.1, message, points, skill)


def test_points_come_from_the_manifest_not_the_run():
    # The run claims 100 points for a test worth 3: the manifest wins.
    card = score_result(
        MANIFEST,
        result(
            outcome("public/t.py::a"),
            outcome("hidden/t.py::b", points=100),
            outcome("hidden/t.py::c", Outcome.FAILED),
        ),
    )
    assert card.score == 4.0 and card.max_score == 6.0
    assert card.by_skill == {
        "sql": {"score": 4.0, "max": 4.0},
        "caching": {"score": 0.0, "max": 2.0},
    }


def test_missing_test_counts_as_failed_with_a_reason():
    card = score_result(MANIFEST, result(outcome("public/t.py::a")))
    missing = [t for t in card.tests if t.id != "public/t.py::a"]
    assert all(t.outcome == "failed" and t.points == 0 for t in missing)
    assert all(t.message.startswith("did not run") for t in missing)


def test_timed_out_run_explains_missing_tests():
    card = score_result(MANIFEST, result(status=RunStatus.TIMED_OUT))
    assert card.score == 0
    assert "time limit" in card.tests[0].message


def test_unexpected_test_is_ignored_and_flagged():
    card = score_result(MANIFEST, result(outcome("public/t.py::a"), outcome("hidden/t.py::zz")))
    assert card.score == 1.0
    assert [f["code"] for f in card.flags] == ["unexpected_test"]


def test_errors_and_skips_score_nothing():
    card = score_result(
        MANIFEST,
        result(
            outcome("public/t.py::a", Outcome.SKIPPED),
            outcome("hidden/t.py::b", Outcome.ERROR),
            outcome("hidden/t.py::c"),
        ),
    )
    assert card.score == 2.0


def test_public_only_scope():
    card = score_result(MANIFEST, result(outcome("public/t.py::a")), visibilities=("public",))
    assert [t.id for t in card.tests] == ["public/t.py::a"]
    assert card.percent == 100.0


def test_static_and_runtime_flags_are_kept():
    card = score_result(
        MANIFEST,
        result(flags=(Flag("runtime_tamper", "patched"),)),
        flags=[{"code": "uses_gc", "message": "gc", "path": "a.py", "line": 3}],
    )
    assert {f["code"] for f in card.flags} == {"uses_gc", "runtime_tamper"}


def test_manifest_defaults_points_and_skill():
    manifest = build_manifest(
        result(outcome("hidden/x.py::t"), outcome("public/x.py::u", points=2.5, skill="auth")),
        "sql",
    )
    assert manifest == [
        {"id": "hidden/x.py::t", "points": 1.0, "skill": "sql", "visibility": "hidden"},
        {"id": "public/x.py::u", "points": 2.5, "skill": "auth", "visibility": "public"},
    ]


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        ([(1, 100.0), (1, 50.0)], 75.0),
        ([(3, 100.0), (1, 0.0)], 75.0),
        ([(1, 80.0), (2, None)], 80.0),
        ([(1, None)], None),
    ],
)
def test_weighted_percent(parts, expected):
    assert weighted_percent(parts) == expected


def test_flags_on_trusted_challenge_files_are_dropped():
    flags = (
        Flag("gc_access", "gc", path="helpers.py", line=1),
        Flag("gc_access", "gc", path="adder.py", line=2),
        Flag("runtime_tamper", "patched"),
    )
    card = score_result(MANIFEST, result(flags=flags), trusted_paths={"helpers.py"})
    assert [(f["code"], f["path"]) for f in card.flags] == [
        ("gc_access", "adder.py"),
        ("runtime_tamper", None),
    ]
