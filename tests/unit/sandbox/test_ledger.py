"""The supervisor's validation of the test process's events: forgery spoils the run."""

from __future__ import annotations

import json

from sandbox.harness.ledger import Ledger

FILES = {"public/test_a.py"}


def feed(ledger: Ledger, *events: dict) -> Ledger:
    for event in events:
        ledger.feed(json.dumps(event).encode())
    return ledger


def collected(*ids: str) -> dict:
    return {"e": "collected", "tests": [{"id": i} for i in ids], "errors": []}


def run(test_id: str, outcome: str) -> list[dict]:
    return [
        {"e": "start", "id": test_id},
        {"e": "result", "id": test_id, "outcome": outcome, "duration_s": 0.1, "message": ""},
    ]


def test_a_well_formed_session():
    ledger = feed(
        Ledger(FILES),
        collected("public/test_a.py::t1", "public/test_a.py::t2"),
        *run("public/test_a.py::t1", "passed"),
        *run("public/test_a.py::t2", "failed"),
        {"e": "finished", "exit_code": 1},
    )
    assert ledger.violations == []
    assert [t["outcome"] for t in ledger.final_tests(None)] == ["passed", "failed"]


def test_tests_not_run_are_errors_explaining_the_ending():
    ledger = feed(
        Ledger(FILES),
        collected("public/test_a.py::t1", "public/test_a.py::t2", "public/test_a.py::t3"),
        *run("public/test_a.py::t1", "passed"),
        {"e": "start", "id": "public/test_a.py::t2"},
    )
    tests = ledger.final_tests("killed by signal 9")
    assert [t["outcome"] for t in tests] == ["passed", "error", "error"]
    assert "ended during this test: killed by signal 9" in tests[1]["message"]
    assert tests[2]["message"].startswith("did not run")


def test_forged_events_spoil_every_pass():
    cases = [
        [{"e": "result", "id": "public/test_a.py::t1", "outcome": "passed", "duration_s": 0}],
        [*run("public/test_a.py::t1", "passed"), *run("public/test_a.py::t1", "passed")],
        [*run("public/test_a.py::t1", "passed"), {"e": "start", "id": "public/test_a.py::zz"}],
        [*run("public/test_a.py::t1", "passed"), collected("public/test_a.py::t1")],
        [*run("public/test_a.py::t1", "great")],
        [
            *run("public/test_a.py::t1", "passed"),
            {"e": "finished", "exit_code": 0},
            {"e": "finished", "exit_code": 0},
        ],
        [*run("public/test_a.py::t1", "passed"), {"e": "bogus"}],
    ]
    for events in cases:
        ledger = feed(Ledger(FILES), collected("public/test_a.py::t1"), *events)
        ledger.feed(b"not json")
        assert ledger.violations, events
        assert all(t["outcome"] != "passed" for t in ledger.final_tests(None)), events


def test_tests_outside_the_job_files_are_refused():
    ledger = feed(Ledger(FILES), collected("other/test_b.py::t1"))
    assert ledger.violations and ledger.collected == {}


def test_an_unknown_event_spoils_the_run():
    ledger = feed(
        Ledger(FILES),
        collected("public/test_a.py::t1"),
        *run("public/test_a.py::t1", "passed"),
        {"e": "tamper", "message": "patched", "ids": ["public/test_a.py::t1"]},
    )
    assert ledger.final_tests(None)[0]["outcome"] == "error"
    assert ledger.violations


def test_the_candidates_fate_is_recorded_and_capped():
    ledger = feed(
        Ledger(FILES),
        {
            "e": "candidate",
            "connected": True,
            "closed": "x" * 5000,
            "lost_during": "t",
            "violations": ["v"] * 9,
        },
    )
    assert ledger.candidate["connected"] is True and ledger.candidate["lost_during"] == "t"
    assert len(ledger.candidate["closed"]) <= 1000 and len(ledger.candidate["violations"]) == 5
    assert not ledger.violations
