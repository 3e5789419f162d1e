"""The test process: capture the test sources, then run pytest isolated from candidate config."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .loader import TestSourceFinder, capture_sources


def pytest_args(workdir: Path, select: list[str]) -> list[str]:
    """Return pytest's arguments: the harness's own ini and rootdir, never the candidate's."""
    tests = workdir / "tests"
    return [
        # The harness's empty ini and the tests folder as rootdir: no candidate configuration
        # (pytest.ini, pyproject.toml, setup.cfg, addopts) can reach pytest.
        "-c",
        str(workdir / "pytest.ini"),
        "--rootdir",
        str(tests),
        # No cache: nothing persists across runs, and "last failed" cannot reorder the suite.
        "-p",
        "no:cacheprovider",
        # public/test_x.py and hidden/test_x.py may share a basename; nothing is put on sys.path.
        "--import-mode=importlib",
        # One module that fails to import must not hide the results of the others.
        "--continue-on-collection-errors",
        "--basetemp",
        str(workdir / "tmp" / "pytest"),
        # Output reaches the container's stdout as it is written, where the host caps it, and
        # is still kept for failure reports.
        "--capture=tee-sys",
        "--no-header",
        "--tb=short",
        "-rfE",
        # Absolute, since the cwd is a scratch folder; node ids stay relative to the rootdir.
        *(str(tests / selector) for selector in (select or ["."])),
    ]


def main(argv: list[str]) -> int:
    """Run pytest for the job prepared under --workdir and report to --events-fd."""
    parser = argparse.ArgumentParser(prog="sandbox-harness-child")
    parser.add_argument("--events-fd", type=int, required=True)
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("select", nargs="*")
    args = parser.parse_args(argv)
    tests = (args.workdir / "tests").resolve()
    # Read every test source now, before any candidate code can run and change them.
    finder = TestSourceFinder(capture_sources(tests))
    # Appended last: the candidate's modules can never shadow the standard library or pytest.
    sys.path.append(str((args.workdir / "solution").resolve()))
    sys.dont_write_bytecode = True

    import pytest

    from .plugin import EventWriter, HarnessPlugin

    events = EventWriter(args.events_fd)
    plugin = HarnessPlugin(events, finder, tests)
    code = pytest.main(pytest_args(args.workdir, args.select), plugins=[plugin])
    events.send("finished", exit_code=int(code))
    sys.stdout.flush()
    return int(code)
