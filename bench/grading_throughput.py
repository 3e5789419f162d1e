"""Measure submit->graded latency (p50/p95) and throughput of the real pipeline.

Runs the embedded setup (SQLite database and queue, `assessor worker` processes, the Docker
sandbox) on a small and a medium challenge, with the warm pool on (SANDBOX_POOL_SIZE=2, the
default) and off (0), and prints the ratios:

- one submission at a time to an idle worker (what a lone candidate waits), `--pause` seconds
  apart so the pool has refilled;
- a burst of final submissions queued before the worker starts, at concurrency 1 and at the
  core count, the way the end of an assessment session queues them.

    .venv/bin/python bench/grading_throughput.py [--submissions 12] [--pause 1.0] [--no-burst]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assessor.models import SubmissionKind  # noqa: E402
from tests.integration.platform import FIXTURES, Platform, wait_until  # noqa: E402

CHALLENGES = {
    "small (mini-adder, 5 tests)": (FIXTURES / "mini-adder", "adder.py"),
    "medium (products-rest-api, Flask)": (ROOT / "challenges" / "products-rest-api", "app.py"),
}


def percentile(values: list[float], q: float) -> float:
    """Return the q-th percentile (0-100) by linear interpolation."""
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100
    low, high = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (k - low)


POOLS = {"on": 2, "off": 0}  # SANDBOX_POOL_SIZE


def round_(folder: Path, editable: str, concurrency: int, count: int, pool: int) -> dict:
    """Grade `count` reference submissions with one worker; return latency and throughput."""
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        tmp_path = Path(tmp)
        platform = Platform(
            tmp_path,
            f"sqlite:///{tmp_path / 'db.sqlite3'}",
            f"sqlite:///{tmp_path / 'queue.sqlite3'}",
        )
        try:
            version = platform.sync(folder)
            code = (folder / "solution" / editable).read_text()
            ids = [
                platform.submit({editable: code}, version, kind=SubmissionKind.FINAL)
                for _ in range(count)
            ]
            platform.start_worker(
                "--concurrency", str(concurrency), "--no-reaper", SANDBOX_POOL_SIZE=pool
            )
            wait_until(
                lambda: all(platform.status(i) == "graded" for i in ids),
                900,
                "the burst to be graded",
                interval=0.2,
            )
            rows = [platform.submission(i) for i in ids]
        finally:
            platform.stop()
    latencies = [(r.finished_at - r.created_at).total_seconds() for r in rows]
    span = (max(r.finished_at for r in rows) - min(r.started_at for r in rows)).total_seconds()
    assert all(r.score == r.max_score for r in rows), "the reference must score 100%"
    return {
        "p50": percentile(latencies, 50),
        "p95": percentile(latencies, 95),
        "per_minute": 60 * count / span,
        "run_mean": statistics.mean(r.run_seconds for r in rows),
    }


def sequential(folder: Path, editable: str, count: int, pool: int, pause: float) -> dict:
    """Submit one at a time to an idle, running worker: the latency a lone candidate sees."""
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        tmp_path = Path(tmp)
        platform = Platform(
            tmp_path,
            f"sqlite:///{tmp_path / 'db.sqlite3'}",
            f"sqlite:///{tmp_path / 'queue.sqlite3'}",
        )
        try:
            version = platform.sync(folder)
            code = (folder / "solution" / editable).read_text()
            platform.start_worker("--concurrency", "1", "--no-reaper", SANDBOX_POOL_SIZE=pool)
            warm = platform.submit({editable: code}, version, kind=SubmissionKind.FINAL)
            wait_until(lambda: platform.status(warm) == "graded", 300, "the warm-up")
            rows = []
            for _ in range(count):
                time.sleep(pause)
                sid = platform.submit({editable: code}, version, kind=SubmissionKind.FINAL)
                wait_until(
                    lambda sid=sid: platform.status(sid) == "graded", 300, "grading", interval=0.05
                )
                rows.append(platform.submission(sid))
        finally:
            platform.stop()
    latencies = [(r.finished_at - r.created_at).total_seconds() for r in rows]
    return {
        "p50": percentile(latencies, 50),
        "p95": percentile(latencies, 95),
        "run_mean": statistics.mean(r.run_seconds for r in rows),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=12, help="burst size per round")
    parser.add_argument("--pause", type=float, default=1.0, help="seconds between lone runs")
    parser.add_argument("--no-burst", action="store_true", help="measure lone runs only")
    parser.add_argument("--no-lone", action="store_true", help="measure bursts only")
    parser.add_argument("--only", choices=("small", "medium"), help="one challenge instead of both")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    challenges = {
        name: found for name, found in CHALLENGES.items() if name.startswith(args.only or "")
    }
    print(f"{cores} cores")
    if not args.no_lone:
        lone(challenges, args.submissions, args.pause)
    if not args.no_burst:
        burst(challenges, args.submissions, cores)


def lone(challenges: dict, count: int, pause: float) -> None:
    print("\nOne submission at a time, idle worker (submit -> graded):\n")
    print(f"{'challenge':<36} {'pool':>4} {'p50 s':>7} {'p95 s':>7} {'sandbox s':>9}")
    for name, (folder, editable) in challenges.items():
        found = {}
        for pool, size in POOLS.items():
            r = found[pool] = sequential(folder, editable, count, size, pause)
            print(
                f"{name:<36} {pool:>4} {r['p50']:>7.2f} {r['p95']:>7.2f} {r['run_mean']:>9.2f}",
                flush=True,
            )
        print(f"{'':<36} on/off p50 {found['on']['p50'] / found['off']['p50']:.2f}x", flush=True)


def burst(challenges: dict, count: int, cores: int) -> None:
    print(f"\nA burst of {count} submissions queued before the worker starts:\n")
    print(
        f"{'challenge':<36} {'conc.':>5} {'pool':>4} {'p50 s':>7} {'p95 s':>7} {'graded/min':>10}"
        f" {'sandbox s':>9}"
    )
    for name, (folder, editable) in challenges.items():
        for concurrency in sorted({1, cores}):
            found = {}
            for pool, size in POOLS.items():
                r = found[pool] = round_(folder, editable, concurrency, count, size)
                print(
                    f"{name:<36} {concurrency:>5} {pool:>4} {r['p50']:>7.2f} {r['p95']:>7.2f}"
                    f" {r['per_minute']:>10.1f} {r['run_mean']:>9.2f}",
                    flush=True,
                )
            ratio = found["on"]["per_minute"] / found["off"]["per_minute"]
            print(f"{'':<36} on/off graded/min {ratio:.2f}x", flush=True)


if __name__ == "__main__":
    main()
