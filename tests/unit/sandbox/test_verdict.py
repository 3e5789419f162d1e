"""Classification: deadline, then OOM, then output cap, then the framed record; never exit codes."""

from __future__ import annotations

import pytest

import sandbox
from sandbox.harness.frame import encode_record
from sandbox.verdict import CandidateObservation, Observation, build_result

from .samples import EXPECTED, make_job

NONCE = "ab" * 16


def payload(outcomes=None, **child) -> dict:
    outcomes = outcomes or dict.fromkeys(EXPECTED, "passed")
    return {
        "version": 1,
        "tests": [
            {"id": i, "outcome": o, "duration_s": 0.1, "message": "", "points": 1, "skill": "x"}
            for i, o in outcomes.items()
        ],
        "collection_errors": [],
        "child": {"finished": True, "pytest_exit": 0, "timed_out": False, **child},
        "flags": [],
        "oom": {},
    }


def observe(stdout: bytes = b"", **kwargs) -> Observation:
    return Observation(stdout=stdout, stderr=kwargs.pop("stderr", b""), duration_s=1.0, **kwargs)


def result(stdout: bytes = b"", job=None, **kwargs) -> sandbox.Result:
    return build_result(job or make_job(), NONCE, observe(stdout, **kwargs))


def record(**kwargs) -> bytes:
    return encode_record(NONCE, payload(**kwargs))


def test_a_genuine_record_completes_the_run():
    res = result(b"pytest output\n" + record())
    assert res.status is sandbox.RunStatus.COMPLETED
    assert [t.outcome for t in res.tests] == ["passed"] * 4
    assert res.missing == () and res.unexpected == ()
    assert res.stdout_tail == "pytest output\n"
    assert res.detail == "completed: 4 passed"


@pytest.mark.parametrize(
    "kwargs, status",
    [
        ({"deadline_hit": True, "oom_killed": True, "output_exceeded": True}, "timed_out"),
        ({"oom_killed": True, "output_exceeded": True}, "memory_exceeded"),
        ({"output_exceeded": True}, "output_exceeded"),
    ],
)
def test_the_order_is_deadline_then_oom_then_output(kwargs, status):
    assert result(record(), **kwargs).status == status


def test_the_supervisor_can_report_the_timeout_and_oom_itself():
    timed = encode_record(NONCE, payload(timed_out=True, finished=False))
    assert result(timed).status is sandbox.RunStatus.TIMED_OUT
    oom = payload()
    oom["oom"] = {"oom_kill": 1}
    assert result(encode_record(NONCE, oom)).status is sandbox.RunStatus.MEMORY_EXCEEDED


def test_candidate_output_over_the_cap_is_output_exceeded_even_with_a_record():
    job = make_job(limits=sandbox.Limits(output_kb=1))
    assert result(b"x" * 2000 + record(), job=job).status is sandbox.RunStatus.OUTPUT_EXCEEDED
    assert result(b"x" * 900 + record(), job=job).status is sandbox.RunStatus.COMPLETED


def test_exit_code_zero_without_a_record_is_a_crash_with_every_test_failed():
    res = result(b"everything passed!\n", exit_code=0)
    assert res.status is sandbox.RunStatus.CRASHED
    assert "no genuine result record" in res.detail
    assert set(res.missing) == set(EXPECTED)
    assert all(t.outcome is sandbox.Outcome.FAILED for t in res.tests)
    assert all(t.message.startswith("did not run") for t in res.tests)


def test_a_forged_record_is_ignored_and_flagged():
    forged = encode_record("cd" * 16, payload())
    res = result(forged, exit_code=0)
    assert res.status is sandbox.RunStatus.CRASHED
    assert "forged_output" in {f.code for f in res.flags}
    assert not any(t.outcome is sandbox.Outcome.PASSED for t in res.tests)


def test_a_child_that_did_not_finish_is_a_crash():
    res = result(record(finished=False, pytest_exit=None, ending="killed by signal 9"))
    assert res.status is sandbox.RunStatus.CRASHED
    assert "killed by signal 9" in res.detail


def test_an_interrupted_pytest_is_a_crash():
    assert result(record(pytest_exit=2)).status is sandbox.RunStatus.CRASHED


def test_missing_tests_fail_and_name_the_collection_error():
    data = payload({EXPECTED[0]: "passed", EXPECTED[1]: "failed"})
    data["collection_errors"] = [{"path": "hidden/test_api.py", "message": "SystemExit: 0"}]
    res = result(encode_record(NONCE, data))
    assert res.missing == EXPECTED[2:]
    hidden = [t for t in res.tests if t.id in EXPECTED[2:]]
    assert all(t.outcome is sandbox.Outcome.FAILED for t in hidden)
    assert all("hidden/test_api.py failed to import" in t.message for t in hidden)
    assert all("SystemExit: 0" in t.message for t in hidden)


def test_unexpected_tests_are_reported_listed_and_flagged():
    data = payload({**dict.fromkeys(EXPECTED, "passed"), "public/test_api.py::test_new": "passed"})
    res = result(encode_record(NONCE, data))
    assert res.unexpected == ("public/test_api.py::test_new",)
    assert res.outcome_of("public/test_api.py::test_new") is sandbox.Outcome.PASSED
    assert "unexpected_tests" in {f.code for f in res.flags}


def test_without_expectations_nothing_is_missing_or_unexpected():
    res = build_result(make_job(expected=()), NONCE, observe(record()))
    assert res.missing == () and res.unexpected == ()


def test_points_skill_and_exit_code_come_from_the_record():
    res = result(record(pytest_exit=1), exit_code=137)
    assert res.tests[0].points == 1.0 and res.tests[0].skill == "x"
    assert res.exit_code == 1


def test_static_flags_are_attached_to_every_result():
    job = make_job({"limiter.py": "import gc\n"})
    res = build_result(job, NONCE, observe(b""))
    assert ("gc_access", "limiter.py") in {(f.code, f.path) for f in res.flags}


def test_messages_and_tails_are_capped():
    data = payload()
    data["tests"][0]["message"] = "m" * 100_000
    res = result(b"o" * 100_000 + encode_record(NONCE, data), stderr=b"e" * 100_000)
    assert len(res.tests[0].message) <= sandbox.model.MESSAGE_LIMIT
    assert len(res.stdout_tail) <= sandbox.model.TAIL_LIMIT
    assert len(res.stderr_tail) <= sandbox.model.TAIL_LIMIT


def candidate_record(**candidate) -> bytes:
    body = payload()
    body["candidate"] = {"connected": True, "closed": None, "lost_during": None, **candidate}
    return encode_record(NONCE, body)


def test_the_candidates_process_ending_mid_run_is_a_crash_naming_the_test():
    res = result(
        candidate_record(closed="the other side closed the connection", lost_during=EXPECTED[1]),
        candidate=CandidateObservation(exit_code=7),
    )
    assert res.status is sandbox.RunStatus.CRASHED
    assert f"ended during {EXPECTED[1]}" in res.detail and "exit code 7" in res.detail


def test_a_candidate_that_never_served_is_an_infrastructure_error():
    res = result(candidate_record(connected=False, closed="never started listening"))
    assert res.status is sandbox.RunStatus.INFRASTRUCTURE_ERROR


@pytest.mark.parametrize(
    "seen, status, words",
    [
        ({"oom_killed": True}, "memory_exceeded", "the candidate's code hit"),
        ({"output_exceeded": True}, "output_exceeded", "the candidate's code wrote"),
        ({"output": b"x" * 300 * 1024}, "output_exceeded", "the candidate's code wrote"),
    ],
)
def test_the_candidates_container_is_judged_before_the_record(seen, status, words):
    res = result(candidate_record(), candidate=CandidateObservation(**seen))
    assert res.status == status and words in res.detail


def test_the_candidates_output_is_its_own_tail():
    res = result(record(), candidate=CandidateObservation(output=b"debug print\n"))
    assert res.candidate_tail == "debug print\n" and "debug" not in res.stdout_tail
