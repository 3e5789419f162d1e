"""Prove a runnable challenge sound in the sandbox: the reference passes, the others do not.

Runnable kinds validate with it, running the jobs they build. The checks, in order: the
reference solution passes every test; a second reference run gives identical outcomes (no flaky
tests); the starter does not reach 100% of the hidden points; every known-wrong solution scores
below 100%; the reference leaves headroom under the time limit.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import sandbox
from assessor.challenges.scoring import VISIBILITIES, ScoreCard, build_manifest, score_result
from assessor.challenges.spec import SKILLS, ChallengeSpec
from assessor.wording import noun, plural

HEADROOM = 0.5  # the reference may use at most half of the time limit


@dataclasses.dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class VariantRun:
    """One solution run: the reference, its repeat, the starter or a wrong solution."""

    name: str
    status: str
    score: float
    max_score: float
    hidden_score: float
    hidden_max: float
    seconds: float
    failed: tuple[str, ...]

    @property
    def percent(self) -> float:
        return 100.0 * self.score / self.max_score if self.max_score else 0.0

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self) | {"percent": round(self.percent, 1)}


@dataclasses.dataclass(frozen=True)
class Report:
    slug: str
    kind: str
    checks: tuple[Check, ...]
    runs: tuple[VariantRun, ...]
    manifest: tuple[Mapping[str, Any], ...]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def to_dict(self) -> dict[str, Any]:
        return {
            "slug": self.slug,
            "kind": self.kind,
            "ok": self.ok,
            "checks": [c.to_dict() for c in self.checks],
            "runs": [r.to_dict() for r in self.runs],
            "manifest": [dict(m) for m in self.manifest],
        }


Progress = Callable[[str], None]
# Runs every test of the challenge against one set of solution files (built by the kind).
Runner = Callable[[Mapping[str, str]], sandbox.Result]


def reference_manifest(
    spec: ChallengeSpec, run: Runner
) -> tuple[sandbox.Result, list[dict[str, Any]]]:
    """Run the reference solution once and derive the trusted manifest from it."""
    result = run(spec.solution)
    return result, build_manifest(result, spec.skills[0])


def reference_problem(result: sandbox.Result, manifest: list[dict[str, Any]]) -> str | None:
    """Say why a reference run cannot give a trusted manifest, or None when it can."""
    if result.status is not sandbox.RunStatus.COMPLETED:
        return result.detail
    failed = [t.id for t in result.tests if t.outcome is not sandbox.Outcome.PASSED]
    if failed or not manifest:
        return f"reference fails {', '.join(failed) or 'to collect any test'}"
    return None


def _variant(name: str, card: ScoreCard, result: sandbox.Result) -> VariantRun:
    hidden = [t for t in card.tests if t.visibility == "hidden"]
    return VariantRun(
        name=name,
        status=result.status.value,
        score=card.score,
        max_score=card.max_score,
        hidden_score=sum(t.points for t in hidden),
        hidden_max=sum(t.max_points for t in hidden),
        seconds=round(result.duration_s, 2),
        failed=tuple(t.id for t in card.tests if t.outcome != "passed"),
    )


def prove(
    spec: ChallengeSpec, run: Runner, *, progress: Progress = lambda _: None, parallel: int = 1
) -> Report:
    """Run the reference, its repeat, the starter and every wrong solution; judge them."""
    progress(f"{spec.slug}: reference solution")
    first, manifest = reference_manifest(spec, run)
    variants = [("reference (repeat)", spec.solution), ("starter", {})]
    variants += [(f"wrong/{name}", files) for name, files in spec.wrong.items()]

    def run_one(entry):
        name, files = entry
        progress(f"{spec.slug}: {name}")
        return name, run(files)

    with ThreadPoolExecutor(max_workers=max(1, parallel)) as pool:
        results = dict(pool.map(run_one, variants))
    return judge(spec, first, manifest, results)


def judge(
    spec: ChallengeSpec,
    first: sandbox.Result,
    manifest: list[dict[str, Any]],
    results: Mapping[str, sandbox.Result],
) -> Report:
    """Turn the runs into checks (separate from running, so it is testable with any result)."""
    checks: list[Check] = []
    cards = {"reference": score_result(manifest, first)}
    cards.update({name: score_result(manifest, r) for name, r in results.items()})
    runs = [_variant("reference", cards["reference"], first)]
    runs += [_variant(name, cards[name], r) for name, r in results.items()]
    by_name = {r.name: r for r in runs}

    ref = by_name["reference"]
    if first.status is not sandbox.RunStatus.COMPLETED or not manifest or ref.failed:
        detail = (
            first.detail
            if first.status is not sandbox.RunStatus.COMPLETED
            else f"failing: {', '.join(ref.failed) or 'no tests collected'}"
        )
        checks.append(Check("reference passes", False, detail))
    else:
        checks.append(
            Check("reference passes", True, f"{len(manifest)} tests, {ref.max_score:g} points")
        )
    visibilities = {m["visibility"] for m in manifest}
    missing_kinds = set(VISIBILITIES) - visibilities
    checks.append(
        Check(
            "public and hidden tests",
            not missing_kinds,
            "both present"
            if not missing_kinds
            else f"no {' or '.join(sorted(missing_kinds))} test ran",
        )
    )
    used = {m["skill"] for m in manifest}
    unknown = sorted(used - set(SKILLS))
    undeclared = sorted(used - set(spec.skills))
    if unknown:
        detail = f"unknown {noun(len(unknown), 'skill marker')}: {', '.join(unknown)}"
    elif undeclared:
        markers = noun(len(undeclared), "skill marker")
        detail = f"{markers} not in challenge.yaml skills: {', '.join(undeclared)}"
    else:
        detail = "every test's skill is one the challenge declares"
    checks.append(Check("skills", not unknown and not undeclared, detail))
    bad_points = [m["id"] for m in manifest if not m["points"] > 0]
    checks.append(
        Check(
            "points",
            not bad_points,
            "every test is worth > 0 points"
            if not bad_points
            else f"zero or negative points: {bad_points}",
        )
    )

    repeat = results.get("reference (repeat)")
    if repeat is not None:
        a = {t.id: t.outcome for t in first.tests}
        b = {t.id: t.outcome for t in repeat.tests}
        diff = sorted(k for k in a.keys() | b.keys() if a.get(k) != b.get(k))
        checks.append(
            Check(
                "deterministic",
                not diff and first.status == repeat.status,
                "two reference runs agree"
                if not diff
                else f"outcomes differ between runs: {', '.join(diff)}",
            )
        )

    starter = by_name.get("starter")
    if starter is not None:
        full = starter.hidden_max > 0 and starter.hidden_score >= starter.hidden_max
        checks.append(
            Check(
                "starter incomplete",
                not full,
                f"starter reaches {starter.hidden_score:g}/{starter.hidden_max:g} "
                f"hidden points ({starter.percent:.0f}% overall)",
            )
        )
    for name in (n for n in results if n.startswith("wrong/")):
        run = by_name[name]
        checks.append(
            Check(
                f"{name} caught",
                run.score < run.max_score,
                f"scores {run.percent:.0f}%"
                + (f"; fails {plural(len(run.failed), 'test')}" if run.failed else ""),
            )
        )
    limit = float(spec.limits["timeout_s"])
    slowest = max(ref.seconds, by_name.get("reference (repeat)", ref).seconds)
    checks.append(
        Check(
            "time headroom",
            slowest <= HEADROOM * limit,
            f"reference took {slowest:.1f}s of a {limit:g}s limit",
        )
    )
    return Report(spec.slug, spec.kind, tuple(checks), tuple(runs), tuple(manifest))
