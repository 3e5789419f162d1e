"""Print the per-run cost of grading a small suite in a sandbox next to bare pytest.

Usage: .venv/bin/python bench/sandbox_overhead.py [--runs N] [--backend docker|fake]
                                                   [--pool-size N]
                                                   [--baseline DIR --baseline-image IMAGE]

The same 4-test suite, N times each way, interleaved run by run so every way sees the same
machine load (after one warm-up run of each):
  in-process pytest   pytest.main() inside this interpreter (the floor: pytest's own work)
  subprocess pytest   a fresh `python -m pytest` (bare pytest: interpreter and pytest start-up)
  sandbox (cold)      sandbox.run() starting, then removing, fresh hardened containers per run
  sandbox (pooled)    sandbox.run() on a pair started ahead of time by the warm pool (each pair
                      still serves one run; it is removed, and replaced, in the background)

The pooled backend is the one the worker uses (SANDBOX_POOL_SIZE pairs, default 2). With
--backend fake there is no pool and only the cold way runs.

With --baseline, the sandbox of another checkout (DIR, an earlier commit, whose image is built as
IMAGE) runs the same job in a worker process, interleaved run by run with this checkout's, so the
two are compared in one run on the same machine load.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

import sandbox
from sandbox.pool import PoolKey

SOLUTION = {
    "limiter.py": (
        "class TokenBucket:\n"
        "    def __init__(self, capacity):\n"
        "        self.tokens = capacity\n\n"
        "    def allow(self):\n"
        "        if self.tokens <= 0:\n"
        "            return False\n"
        "        self.tokens -= 1\n"
        "        return True\n"
    )
}
TESTS = {
    "public/test_api.py": (
        "from limiter import TokenBucket\n\n"
        "def test_allows_up_to_capacity():\n"
        "    bucket = TokenBucket(2)\n"
        "    assert bucket.allow() and bucket.allow()\n\n"
        "def test_refuses_when_empty():\n"
        "    bucket = TokenBucket(1)\n"
        "    bucket.allow()\n"
        "    assert bucket.allow() is False\n"
    ),
    "hidden/test_api.py": (
        "import pytest\n"
        "from limiter import TokenBucket\n\n"
        "@pytest.mark.parametrize('capacity', [0, 3])\n"
        "def test_exact_capacity(capacity):\n"
        "    bucket = TokenBucket(capacity)\n"
        "    assert [bucket.allow() for _ in range(capacity + 1)] == "
        "[True] * capacity + [False]\n"
    ),
}
PYTEST_ARGS = ["-q", "-p", "no:cacheprovider", "--import-mode=importlib"]
# Bare pytest: none of the plugins the development virtualenv happens to hold (playwright's,
# locust's, which imports gevent) start with it; the sandbox's image has none of them either.
BARE = {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}


def _write(root: Path) -> tuple[Path, Path]:
    solution, tests = root / "solution", root / "tests"
    for base, files in ((solution, SOLUTION), (tests, TESTS)):
        for rel, text in files.items():
            (base / rel).parent.mkdir(parents=True, exist_ok=True)
            (base / rel).write_text(text)
    return solution, tests


def time_in_process(solution: Path, tests: Path) -> float:
    """Run the suite with pytest.main() in this interpreter; return seconds."""
    sys.modules.pop("limiter", None)
    sys.path.insert(0, str(solution))
    os.environ.update(BARE)
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        code = pytest.main([*PYTEST_ARGS, "--rootdir", str(tests), str(tests)])
    elapsed = time.perf_counter() - started
    for name in BARE:
        del os.environ[name]
    sys.path.remove(str(solution))
    assert code == 0, f"pytest failed in-process (exit {code})"
    return elapsed


def time_subprocess(solution: Path, tests: Path) -> float:
    """Run the suite in a fresh interpreter; return seconds."""
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pytest", *PYTEST_ARGS, "--rootdir", str(tests), str(tests)],
        check=True,
        stdout=subprocess.DEVNULL,
        env={"PYTHONPATH": str(solution), "PATH": "/usr/bin:/bin", **BARE},
    )
    return time.perf_counter() - started


def time_sandbox(backend: sandbox.Backend) -> float:
    """Run the suite through sandbox.run(); return seconds."""
    job = sandbox.Job(files=SOLUTION, tests=TESTS)
    started = time.perf_counter()
    result = sandbox.run(job, backend)
    elapsed = time.perf_counter() - started
    assert result.status is sandbox.RunStatus.COMPLETED, result.detail
    assert all(t.outcome is sandbox.Outcome.PASSED for t in result.tests), result.tests
    return elapsed


BASELINE_WORKER = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
import sandbox
files, tests = json.loads(sys.stdin.readline())
backend = sandbox.DockerBackend(image=sys.argv[2])
for _ in sys.stdin:
    started = time.perf_counter()
    result = sandbox.run(sandbox.Job(files=files, tests=tests), backend)
    elapsed = time.perf_counter() - started
    ok = result.status is sandbox.RunStatus.COMPLETED and all(
        t.outcome is sandbox.Outcome.PASSED for t in result.tests)
    print(json.dumps([elapsed, ok, result.detail]), flush=True)
"""


class Baseline:
    """The sandbox of an earlier checkout, run in a worker process of its own."""

    def __init__(self, checkout: Path, image: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", BASELINE_WORKER, str(checkout), image],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.process.stdin.write(json.dumps([SOLUTION, TESTS]) + "\n")

    def time(self) -> float:
        """Run the job once in the baseline; return seconds."""
        self.process.stdin.write("run\n")
        self.process.stdin.flush()
        elapsed, ok, detail = json.loads(self.process.stdout.readline())
        assert ok, f"the baseline failed: {detail}"
        return elapsed

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=60)


def _row(name: str, samples: list[float], bare: list[float] | None = None) -> str:
    line = (
        f"{name:<20} mean {statistics.mean(samples):7.3f} s   "
        f"median {statistics.median(samples):7.3f} s   "
        f"min {min(samples):7.3f} s   max {max(samples):7.3f} s"
    )
    if bare:
        line += f"   {statistics.median(samples) / statistics.median(bare):5.2f}x bare pytest"
    return line


def pooled_backend(size: int) -> sandbox.DockerBackend:
    """Return a Docker backend whose pool is full for the benchmark job's limits."""
    limits = sandbox.Job(files=SOLUTION, tests=TESTS).limits
    backend = sandbox.DockerBackend(pool_size=size, warm=(limits,))
    wait_for_pool(backend)
    return backend


def wait_for_pool(backend: sandbox.DockerBackend, timeout: float = 120.0) -> None:
    """Wait until every pool slot holds a started pair (the refill runs in the background)."""
    limits = sandbox.Job(files=SOLUTION, tests=TESTS).limits
    key = PoolKey.of(backend.image, limits)
    deadline = time.monotonic() + timeout
    while backend.pool.ready(key) < backend.pool.size:
        if time.monotonic() > deadline:
            raise SystemExit("the pool did not fill up")
        time.sleep(0.05)


def main() -> None:
    """Measure and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--backend", default="docker", choices=sandbox.backend_names())
    parser.add_argument("--pool-size", type=int, default=2, help="the worker's SANDBOX_POOL_SIZE")
    parser.add_argument("--baseline", type=Path, help="a checkout of an earlier commit")
    parser.add_argument("--baseline-image", default="assessor-sandbox:baseline")
    args = parser.parse_args()
    cold = sandbox.get_backend(args.backend)
    pooled = pooled_backend(args.pool_size) if args.backend == "docker" else None
    baseline = Baseline(args.baseline, args.baseline_image) if args.baseline else None
    samples: dict[str, list[float]] = {
        "in-process": [],
        "subprocess": [],
        "cold": [],
        "pooled": [],
        "baseline": [],
    }
    try:
        with tempfile.TemporaryDirectory() as tmp:
            solution, tests = _write(Path(tmp))
            # Warm-ups: imports, the engine's image cache, the baseline's process.
            time_in_process(solution, tests)
            time_subprocess(solution, tests)
            time_sandbox(cold)
            if pooled:
                time_sandbox(pooled)
            if baseline:
                baseline.time()
            for _ in range(args.runs):  # interleaved, so all see the same machine load
                samples["in-process"].append(time_in_process(solution, tests))
                samples["subprocess"].append(time_subprocess(solution, tests))
                samples["cold"].append(time_sandbox(cold))
                if pooled:
                    # A worker between two jobs has its pool refilled; so does this one.
                    wait_for_pool(pooled)
                    samples["pooled"].append(time_sandbox(pooled))
                if baseline:
                    samples["baseline"].append(baseline.time())
    finally:
        if baseline:
            baseline.close()
        if pooled:
            pooled.close()
        cold.close()
    bare = samples["subprocess"]
    print(f"{len(TESTS)} test files, 4 tests; {args.runs} runs each; backend {args.backend}")
    print(_row("in-process pytest", samples["in-process"]))
    print(_row("subprocess pytest", bare))
    print(_row("sandbox (cold)", samples["cold"], bare))
    if pooled:
        print(_row(f"sandbox (pooled, {args.pool_size})", samples["pooled"], bare))
        warm = pooled.pooled_runs
        print(f"  {warm} of {args.runs + 1} pooled runs were served by a pair started ahead")
        median = statistics.median(samples["pooled"])
        print(
            f"pooled / cold: {median / statistics.median(samples['cold']):5.2f}x (median), "
            f"{median - statistics.median(samples['cold']):+.3f} s per run"
        )
    if baseline:
        old = samples["baseline"]
        median = statistics.median(samples["cold"])
        print(_row("baseline sandbox", old, bare))
        print(
            f"sandbox (cold) / baseline: {median / statistics.median(old):5.2f}x (median), "
            f"{median - statistics.median(old):+.3f} s per run"
        )


if __name__ == "__main__":
    main()
