"""The test process: connect to the candidate's container, then run pytest on the tests alone."""

from __future__ import annotations

import argparse
import json
import os
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
        # Its teardown runs gc.collect() five times after the last test: a quarter of a small
        # suite's run (docs/performance.md). Unraisable exceptions still print to stderr.
        "-p",
        "no:unraisableexception",
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
    """Warm up (pytest imported), wait for the job's arguments, then run pytest and report."""
    parser = argparse.ArgumentParser(prog="sandbox-harness-child")
    parser.add_argument("--events-fd", type=int, required=True)
    parser.add_argument("--args-fd", type=int, required=True)
    parser.add_argument("--workdir", type=Path, required=True)
    options = parser.parse_args(argv)
    sys.dont_write_bytecode = True

    import pytest

    from .plugin import EventWriter, HarnessPlugin

    # Started before the job exists (by a pool, ahead of time): everything above is paid
    # already when the supervisor hands over the job's arguments.
    with os.fdopen(options.args_fd, "rb") as arguments:
        line = arguments.readline()
    if not line:
        return 0  # never used: the container was drained
    job = json.loads(line)
    events = EventWriter(options.events_fd)
    connect_error = None
    # A service's tests reach it over HTTP: no bridge, and no candidate module to import.
    service = bool(job.get("service"))
    try:
        peer = (
            None
            if service
            else bridge.connect(str(job["agent"]), float(job.get("connect_timeout_s", 10.0)))
        )
    except PeerLost as exc:
        peer, connect_error = None, str(exc)
    finder = bridge.CandidateModules({str(m) for m in job.get("modules", [])})
    plugin = HarnessPlugin(events, finder, peer)
    select = [str(s) for s in job.get("select", [])]
    code = pytest.main(pytest_args(options.workdir, select), plugins=[plugin])
    if not service:
        events.send("candidate", **plugin.candidate_state(connect_error))
    events.send("finished", exit_code=int(code))
    sys.stdout.flush()
    if peer is not None:
        peer.close("the tests are over")
    return int(code)
