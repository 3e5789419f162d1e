"""Turn what a backend observed of a run into a Result: classify, merge expectations, flag.

Classification order is fixed: 1 the deadline, 2 an OOM kill (of either container), 3 the
output cap (of either), 4 the framed record (a service that never answered is the candidate's
failure), 5 the candidate's process ending before the tests did. The exit code alone never
decides anything, and a run without a genuine record crashed. Results come only from the
tester's record; the candidate's container contributes its output and the evidence of its own
failures.
"""

from __future__ import annotations

import dataclasses

from .harness.frame import find_record
from .model import (
    MESSAGE_LIMIT,
    TAIL_LIMIT,
    Flag,
    Job,
    Outcome,
    Result,
    RunStatus,
    TestOutcome,
    cap_text,
)
from .scan import scan_files

COMPLETED_PYTEST_EXITS = (0, 1, 5)  # all passed, some failed, none collected
PYTEST_EXITS = {2: "was interrupted", 3: "hit an internal error", 4: "was misused"}


@dataclasses.dataclass
class Observation:
    """What a backend saw of one run from the host side."""

    stdout: bytes
    stderr: bytes
    duration_s: float
    exit_code: int | None = None
    deadline_hit: bool = False
    oom_killed: bool = False
    output_exceeded: bool = False
    evidence: list[str] = dataclasses.field(default_factory=list)
    candidate: CandidateObservation | None = None


@dataclasses.dataclass
class CandidateObservation:
    """What the host saw of the candidate's container."""

    output: bytes = b""
    exit_code: int | None = None
    oom_killed: bool = False
    output_exceeded: bool = False
    evidence: list[str] = dataclasses.field(default_factory=list)


def _strip(data: bytes, span: tuple[int, int] | None) -> bytes:
    return data if span is None else data[: span[0]] + data[span[1] :]


def _tail(data: bytes) -> str:
    return cap_text(data.decode("utf-8", "replace"), TAIL_LIMIT, keep="tail")


def _candidate_tail(job: Job, theirs: CandidateObservation | None) -> str:
    if theirs is None:
        return ""
    if job.service is None:
        return _tail(theirs.output)
    # A service's log starts with its build output and ends with its last words: keep both.
    return cap_text(theirs.output.decode("utf-8", "replace"), TAIL_LIMIT, keep="both")


def _status(
    job: Job, seen: Observation, payload: dict | None, output: int
) -> tuple[RunStatus, str]:
    limits = job.limits
    child = (payload or {}).get("child") or {}
    oom = (payload or {}).get("oom") or {}
    theirs = seen.candidate or CandidateObservation()
    if seen.deadline_hit or child.get("timed_out"):
        who = (
            "the host killed the containers" if seen.deadline_hit else "the test process was killed"
        )
        spent = f"{limits.wall_s:g} s"
        if job.service is not None and seen.deadline_hit:  # the host's budget covers start-up
            spent = f"{job.service.startup_s:g} s of start-up and {spent} of tests"
        return RunStatus.TIMED_OUT, f"timed out: the run exceeded {spent}; {who}"
    if theirs.oom_killed or seen.oom_killed or oom.get("oom_kill", 0) > 0:
        where = "the candidate's code" if theirs.oom_killed else "a process of the test run"
        evidence = "; ".join(theirs.evidence + seen.evidence) or f"oom counters {oom}"
        return RunStatus.MEMORY_EXCEEDED, (
            f"memory exceeded: {where} hit the {limits.memory_mb} MB limit and was killed "
            f"by the out-of-memory killer ({evidence})"
        )
    if theirs.output_exceeded or len(theirs.output) > limits.output_kb * 1024:
        return RunStatus.OUTPUT_EXCEEDED, (
            f"output exceeded: the candidate's code wrote more than {limits.output_kb} KB"
        )
    if seen.output_exceeded or output > limits.output_kb * 1024:
        return RunStatus.OUTPUT_EXCEEDED, (
            f"output exceeded: the tests wrote more than {limits.output_kb} KB to stdout/stderr"
        )
    if payload is None:
        return RunStatus.CRASHED, (
            "crashed: no genuine result record (the supervisor was killed or never reported; "
            f"exit code {seen.exit_code})"
        )
    if "harness_error" in payload:
        return RunStatus.CRASHED, f"crashed: the harness failed: {payload['harness_error']}"
    service = payload.get("service") or {}
    if job.service is not None and not service.get("ready"):
        return RunStatus.SERVICE_FAILED, _service_failure(job, service, theirs)
    candidate = payload.get("candidate") or {}
    if candidate and not candidate.get("connected"):
        # The agent listens before any of the candidate's code runs (modules are imported
        # when the tests ask): never reaching it is the infrastructure's failure, retried.
        return RunStatus.INFRASTRUCTURE_ERROR, (
            f"infrastructure error: the candidate's container never served the tests "
            f"({candidate.get('closed') or 'no connection'})"
        )
    if candidate.get("closed"):
        during = candidate.get("lost_during") or "the run"
        code = "" if theirs.exit_code is None else f", exit code {theirs.exit_code}"
        return RunStatus.CRASHED, (
            f"crashed: the candidate's process ended during {during} ({candidate['closed']}{code})"
        )
    if not child.get("finished"):
        return RunStatus.CRASHED, f"crashed: {child.get('ending') or 'the test process died'}"
    if child.get("pytest_exit") not in COMPLETED_PYTEST_EXITS:
        code = child.get("pytest_exit")
        why = PYTEST_EXITS.get(code, "ended abnormally")
        return RunStatus.CRASHED, f"crashed: pytest {why} (exit code {code}); see stdout"
    return RunStatus.COMPLETED, "completed"


def _service_failure(job: Job, state: dict, theirs: CandidateObservation) -> str:
    """Say why the service never answered, from what the engine and the tester saw."""
    spec = job.service
    log = theirs.output.decode("utf-8", "replace")
    if "== build exited with" in log and "== start:" not in log:
        why = "the build failed"
    elif theirs.exit_code is not None:
        why = f"it exited with code {theirs.exit_code}"
    else:
        why = str(state.get("reason") or "it never answered")
    if theirs.exit_code is not None and why == "the build failed":
        why += f" with exit code {theirs.exit_code}"
    if str(state.get("reason", "")).startswith("the candidate's container ended"):
        why += f"; the tests stopped waiting after {state.get('waited_s', 0):g} s"
    return (
        f"service failed: the service did not answer GET {spec.ready} on port {spec.port} "
        f"within {spec.startup_s:g} s ({why}); see the candidate's output"
    )


def _outcomes(payload: dict | None) -> list[TestOutcome]:
    outcomes = []
    for entry in (payload or {}).get("tests", []):
        points = entry.get("points")
        outcomes.append(
            TestOutcome(
                id=str(entry["id"]),
                outcome=Outcome(entry["outcome"]),
                duration_s=float(entry.get("duration_s", 0.0)),
                message=cap_text(str(entry.get("message", "")), MESSAGE_LIMIT),
                points=float(points) if points is not None else None,
                skill=entry.get("skill"),
            )
        )
    return outcomes


def _missing_reason(test_id: str, payload: dict | None, detail: str) -> str:
    path = test_id.split("::", 1)[0]
    for error in (payload or {}).get("collection_errors", []):
        if error.get("path") == path:
            return f"did not run: {path} failed to import or collect:\n{error.get('message', '')}"
    return f"did not run: the run reported no result for it ({detail})"


def _summary(status: RunStatus, detail: str, tests: list[TestOutcome]) -> str:
    counts: dict[str, int] = {}
    for test in tests:
        counts[test.outcome] = counts.get(test.outcome, 0) + 1
    tally = ", ".join(f"{n} {o}" for o, n in sorted(counts.items())) or "no tests"
    if status is RunStatus.COMPLETED:
        return f"completed: {tally}"
    return f"{detail} [{tally}]"


def build_result(job: Job, nonce: str, seen: Observation) -> Result:
    """Classify a run and return its Result, with expectations merged and flags attached."""
    payload, forged, span = find_record(bytes(seen.stdout), nonce)
    stdout = _strip(bytes(seen.stdout), span)
    status, detail = _status(job, seen, payload, len(stdout) + len(seen.stderr))
    tests = _outcomes(payload)
    flags = list(scan_files(job.files))
    for entry in (payload or {}).get("flags", []):
        flags.append(Flag(**{k: entry.get(k) for k in ("code", "message", "path", "line")}))
    if forged:
        flags.append(
            Flag("forged_output", f"{forged} forged or malformed result frame(s) were ignored")
        )
    reported = {t.id for t in tests}
    missing = tuple(i for i in job.expected if i not in reported)
    unexpected = tuple(t.id for t in tests if job.expected and t.id not in job.expected)
    for test_id in missing:
        reason = cap_text(_missing_reason(test_id, payload, detail), MESSAGE_LIMIT)
        tests.append(TestOutcome(test_id, Outcome.FAILED, 0.0, reason, None, None))
    if unexpected:
        flags.append(
            Flag("unexpected_tests", f"tests ran that the manifest does not list: {unexpected[:5]}")
        )
    child = (payload or {}).get("child") or {}
    exit_code = child.get("pytest_exit")
    if exit_code is None:
        exit_code = child.get("exit_code", seen.exit_code)
    return Result(
        status=status,
        tests=tuple(tests),
        exit_code=exit_code,
        duration_s=round(seen.duration_s, 6),
        stdout_tail=_tail(stdout),
        stderr_tail=_tail(bytes(seen.stderr)),
        missing=missing,
        unexpected=unexpected,
        flags=tuple(flags),
        detail=_summary(status, detail, tests),
        candidate_tail=_candidate_tail(job, seen.candidate),
    )
