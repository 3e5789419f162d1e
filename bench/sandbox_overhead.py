"""Print the per-run cost of grading a small suite in a fresh sandbox next to bare pytest.

Usage: .venv/bin/python bench/sandbox_overhead.py [--runs N] [--backend docker|fake]

Three ways to run the same 4-test suite, each N times:
  in-process pytest   pytest.main() inside this interpreter (the floor: pytest's own work)
  subprocess pytest   a fresh `python -m pytest` (adds interpreter and pytest start-up)
  sandbox             sandbox.run() on the chosen backend (a fresh hardened container each run)
"""

from __future__ import annotations

import argparse
import contextlib
import io
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
    args = parser.parse_args()
    backend = sandbox.get_backend(args.backend)
    with tempfile.TemporaryDirectory() as tmp:
        solution, tests = _write(Path(tmp))
        time_in_process(solution, tests)  # warm imports once, as a long-lived worker would be
        time_sandbox(backend)  # warm the engine's image cache
        in_process = [time_in_process(solution, tests) for _ in range(args.runs)]
        fresh = [time_subprocess(solution, tests) for _ in range(args.runs)]
        boxed = [time_sandbox(backend) for _ in range(args.runs)]
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


if __name__ == "__main__":
    main()
