"""Print the per-run cost of grading a small suite in a fresh sandbox next to bare pytest.

Usage: .venv/bin/python bench/sandbox_overhead.py [--runs N] [--backend docker|fake]
                                                   [--baseline DIR --baseline-image IMAGE]

Three ways to run the same 4-test suite, each N times:
  in-process pytest   pytest.main() inside this interpreter (the floor: pytest's own work)
  subprocess pytest   a fresh `python -m pytest` (adds interpreter and pytest start-up)
  sandbox             sandbox.run() on the chosen backend (fresh hardened containers each run)

With --baseline, the sandbox of another checkout (DIR, an earlier commit, whose image is built as
IMAGE) runs the same job in a worker process, interleaved run by run with this checkout's, so the
two are compared in one run on the same machine load.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

import sandbox

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
    started = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        code = pytest.main([*PYTEST_ARGS, "--rootdir", str(tests), str(tests)])
    elapsed = time.perf_counter() - started
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
        env={"PYTHONPATH": str(solution), "PATH": "/usr/bin:/bin"},
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


def _row(name: str, samples: list[float]) -> str:
    return (
        f"{name:<20} mean {statistics.mean(samples):7.3f} s   "
        f"median {statistics.median(samples):7.3f} s   "
        f"min {min(samples):7.3f} s   max {max(samples):7.3f} s"
    )


def main() -> None:
    """Measure and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--backend", default="docker", choices=sandbox.backend_names())
    parser.add_argument("--baseline", type=Path, help="a checkout of an earlier commit")
    parser.add_argument("--baseline-image", default="assessor-sandbox:baseline")
    args = parser.parse_args()
    backend = sandbox.get_backend(args.backend)
    baseline = Baseline(args.baseline, args.baseline_image) if args.baseline else None
    old: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        solution, tests = _write(Path(tmp))
        time_in_process(solution, tests)  # warm imports once, as a long-lived worker would be
        time_sandbox(backend)  # warm the engine's image cache
        in_process = [time_in_process(solution, tests) for _ in range(args.runs)]
        fresh = [time_subprocess(solution, tests) for _ in range(args.runs)]
        if baseline:
            baseline.time()  # its warm-up
        boxed = []
        for _ in range(args.runs):  # interleaved, so both see the same machine load
            boxed.append(time_sandbox(backend))
            if baseline:
                old.append(baseline.time())
    if baseline:
        baseline.close()
    print(f"{len(TESTS)} test files, 4 tests; {args.runs} runs each; backend {args.backend}")
    print(_row("in-process pytest", in_process))
    print(_row("subprocess pytest", fresh))
    print(_row("sandbox", boxed))
    median = statistics.median(boxed)
    print(
        f"sandbox / in-process: {median / statistics.median(in_process):5.1f}x (median)   "
        f"sandbox / subprocess: {median / statistics.median(fresh):5.1f}x   "
        f"overhead over subprocess: {median - statistics.median(fresh):.3f} s"
    )
    if old:
        print(_row("baseline sandbox", old))
        print(
            f"sandbox / baseline: {median / statistics.median(old):5.2f}x (median), "
            f"{median - statistics.median(old):+.3f} s per run"
        )


if __name__ == "__main__":
    main()
