"""Score a sandbox result against the trusted manifest: points never come from the run."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable, Mapping, Sequence
from typing import Any

from sandbox import Outcome, Result, RunStatus

RUN_ENDINGS = {
    RunStatus.TIMED_OUT: "the run hit its time limit before this test finished",
    RunStatus.MEMORY_EXCEEDED: "the run exceeded its memory limit before this test finished",
    RunStatus.OUTPUT_EXCEEDED: "the run printed more than its output limit",
    RunStatus.CRASHED: "the test process crashed before this test reported",
    RunStatus.INFRASTRUCTURE_ERROR: "the grading infrastructure failed",
    RunStatus.SERVICE_FAILED: "the service did not start: its build failed, it exited, "
    "or it never answered (see the build and service output)",
}


@dataclasses.dataclass(frozen=True)
class ScoredTest:
    id: str
    outcome: str
    points: float
    max_points: float
    visibility: str
    skill: str
    message: str
    duration_s: float

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class ScoreCard:
    tests: tuple[ScoredTest, ...]
    score: float
    max_score: float
    by_skill: Mapping[str, Mapping[str, float]]
    flags: tuple[Mapping[str, Any], ...]

    @property
    def percent(self) -> float:
        return 100.0 * self.score / self.max_score if self.max_score else 0.0


# A test's folder under tests/ says who may see it: public/ runs for the candidate, hidden/ only
# in grading and never leaves the server.
VISIBILITIES = ("public", "hidden")


def visibility_of(test_path: str) -> str:
    """Return "public" or "hidden" from a test file's path or test id (public/..., hidden/...)."""
    return "public" if test_path.startswith("public/") else "hidden"


def build_manifest(result: Result, default_skill: str) -> list[dict[str, Any]]:
    """Record every test of a reference run with its points, skill and visibility."""
    entries = []
    for test in sorted(result.tests, key=lambda t: t.id):
        points = 1.0 if test.points is None else float(test.points)
        entries.append(
            {
                "id": test.id,
                "points": points,
                "skill": test.skill or default_skill,
                "visibility": visibility_of(test.id),
            }
        )
    return entries


def score_result(
    manifest: Sequence[Mapping[str, Any]],
    result: Result,
    *,
    visibilities: Iterable[str] = VISIBILITIES,
    flags: Iterable[Mapping[str, Any]] = (),
    trusted_paths: Collection[str] = (),
) -> ScoreCard:
    """Score `result` test by test from the manifest; missing tests count as failed.

    Flags the sandbox raised on `trusted_paths` (the challenge's read-only files) are dropped:
    a reviewer should only see signals about what the candidate wrote.
    """
    wanted = set(visibilities)
    reported = {t.id: t for t in result.tests}
    scored: list[ScoredTest] = []
    by_skill: dict[str, dict[str, float]] = {}
    for entry in manifest:
        if entry["visibility"] not in wanted:
            continue
        test = reported.get(entry["id"])
        max_points = float(entry["points"])
        if test is None:
            outcome, message, duration = "failed", _missing_message(result), 0.0
        else:
            outcome, message, duration = str(test.outcome), test.message, test.duration_s
        points = max_points if outcome == Outcome.PASSED else 0.0
        scored.append(
            ScoredTest(
                entry["id"],
                outcome,
                points,
                max_points,
                entry["visibility"],
                entry["skill"],
                message,
                duration,
            )
        )
        bucket = by_skill.setdefault(entry["skill"], {"score": 0.0, "max": 0.0})
        bucket["score"] += points
        bucket["max"] += max_points
    all_flags = [dict(f) for f in flags] + [
        f.to_dict() for f in result.flags if f.path is None or f.path not in trusted_paths
    ]
    known = {e["id"] for e in manifest}
    for test_id in sorted(set(reported) - known):
        all_flags.append(
            {
                "code": "unexpected_test",
                "path": None,
                "line": None,
                "message": f"the run reported a test the manifest does not know: "
                f"{test_id} (ignored for the score)",
            }
        )
    return ScoreCard(
        tests=tuple(scored),
        score=sum(t.points for t in scored),
        max_score=sum(t.max_points for t in scored),
        by_skill=by_skill,
        flags=tuple(all_flags),
    )


def _missing_message(result: Result) -> str:
    if result.status in RUN_ENDINGS:
        return f"did not run: {RUN_ENDINGS[result.status]}"
    return "did not run: the test was not collected or did not report (counted as failed)"
