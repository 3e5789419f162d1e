"""The value objects: validation, immutability and the JSON round trip."""

from __future__ import annotations

import dataclasses
import json

import pytest

import sandbox
from sandbox.model import cap_text

from .samples import make_job


def test_limits_defaults_match_the_contract():
    assert sandbox.Limits() == sandbox.Limits(
        wall_s=30.0, cpus=1.0, memory_mb=256, pids=64, output_kb=256, scratch_mb=64, file_mb=16
    )


@pytest.mark.parametrize(
    "field, value",
    [
        ("wall_s", 0),
        ("memory_mb", 1),
        ("pids", -1),
        ("cpus", float("nan")),
        ("output_kb", True),
        ("file_mb", "16"),
    ],
)
def test_limits_refuse_values_outside_their_bounds(field, value):
    with pytest.raises(sandbox.InvalidJob, match=field):
        sandbox.Limits(**{field: value})


def test_limits_round_trip_and_refuse_unknown_keys():
    limits = sandbox.Limits(wall_s=5, memory_mb=128)
    assert sandbox.Limits.from_dict(limits.to_dict()) == limits
    with pytest.raises(sandbox.InvalidJob, match="unknown limits: swap"):
        sandbox.Limits.from_dict({"swap": 1})


def test_job_is_frozen_and_copies_its_files():
    files = {"limiter.py": "x = 1"}
    job = make_job(files)
    files["limiter.py"] = "changed"
    assert job.files["limiter.py"] == "x = 1"
    with pytest.raises(TypeError):
        job.files["limiter.py"] = "y"  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        job.select = ()  # type: ignore[misc]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"files": {"../x.py": ""}}, "climbs out"),
        ({"files": {"/etc/passwd": ""}}, "absolute"),
        ({"files": {"a.py": b"bytes"}}, "must be text"),
        ({"tests": {"data.sql": ""}}, "no Python file"),
        ({"select": ("nowhere",)}, "names no test"),
        ({"select": "public"}, "sequence"),
        ({"expected": ("public/test_api.py",)}, "path::name"),
        ({"expected": ("other/test_x.py::test_y",)}, "path::name"),
        ({"limits": {"wall_s": 3}}, "sandbox.Limits"),
    ],
)
def test_job_refuses_malformed_input(kwargs, message):
    files = kwargs.pop("files", None)
    with pytest.raises(sandbox.InvalidJob, match=message):
        make_job(files, **kwargs)


def test_job_accepts_selection_by_folder_file_and_node_id():
    job = make_job(
        select=("public", "hidden/test_api.py", "public/test_api.py::test_refuses_when_empty")
    )
    assert job.select[0] == "public"


def test_result_round_trips_through_json():
    result = sandbox.Result(
        status=sandbox.RunStatus.COMPLETED,
        tests=(
            sandbox.TestOutcome("a.py::t", sandbox.Outcome.PASSED, 0.5, "", 2.0, "sql"),
            sandbox.TestOutcome("a.py::u", sandbox.Outcome.FAILED, 0.0, "did not run", None, None),
        ),
        exit_code=1,
        duration_s=1.25,
        stdout_tail="out",
        stderr_tail="err",
        missing=("a.py::u",),
        unexpected=(),
        flags=(sandbox.Flag("gc_access", "imports gc", "x.py", 3),),
        detail="completed",
    )
    again = sandbox.Result.from_dict(json.loads(json.dumps(result.to_dict())))
    assert again == result
    assert again.outcome_of("a.py::t") is sandbox.Outcome.PASSED
    assert again.outcome_of("nope") is None


def test_enums_are_strings_of_the_contract():
    assert [str(o) for o in sandbox.Outcome] == ["passed", "failed", "error", "skipped"]
    assert [str(s) for s in sandbox.RunStatus] == [
        "completed",
        "timed_out",
        "memory_exceeded",
        "output_exceeded",
        "crashed",
        "infrastructure_error",
        "service_failed",
    ]


def test_cap_text_keeps_head_or_tail_within_the_limit():
    text = "a" * 50 + "z" * 50
    head = cap_text(text, 60)
    tail = cap_text(text, 60, keep="tail")
    assert len(head) <= 60 and head.startswith("aaa") and "cut" in head
    assert len(tail) <= 60 and tail.endswith("zzz") and "cut" in tail
    assert cap_text("short", 60) == "short"
