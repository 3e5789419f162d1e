"""The test process: connect to the candidate's container, then run pytest on the tests alone."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import bridge
from .peer import PeerLost


def pytest_args(workdir: Path, select: list[str]) -> list[str]:
    """Return pytest's arguments: the harness's own ini and rootdir, never anyone else's."""
    tests = workdir / "tests"
    return [
        # The harness's empty ini and the tests folder as rootdir: nothing but the tests
        # configures pytest.
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
    parser.add_argument("--agent", required=True)
    parser.add_argument("--modules", default="")
    parser.add_argument("--connect-timeout", type=float, default=10.0)
    parser.add_argument("select", nargs="*")
    args = parser.parse_args(argv)
    sys.dont_write_bytecode = True

    import pytest

    from .plugin import EventWriter, HarnessPlugin

    events = EventWriter(args.events_fd)
    connect_error = None
    try:
        peer = bridge.connect(args.agent, args.connect_timeout)
    except PeerLost as exc:
        peer, connect_error = None, str(exc)
    finder = bridge.CandidateModules({m for m in args.modules.split(",") if m})
    plugin = HarnessPlugin(events, finder, peer)
    code = pytest.main(pytest_args(args.workdir, args.select), plugins=[plugin])
    events.send("candidate", **plugin.candidate_state(connect_error))
    events.send("finished", exit_code=int(code))
    sys.stdout.flush()
    if peer is not None:
        peer.close("the tests are over")
    return int(code)
