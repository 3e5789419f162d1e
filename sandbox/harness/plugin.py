"""The pytest plugin of the test process: register the grading markers and report each test.

No candidate code runs in this process (it runs in the candidate's container, behind the
bridge), so pytest's own reports are trusted; the plugin turns them into one outcome per test.
"""

from __future__ import annotations

import os
import re
import time
from typing import Any

import pytest

from .bridge import CandidateModules
from .ledger import cap


class EventWriter:
    """Send JSON events to the supervisor over the inherited pipe."""

    def __init__(self, fd: int) -> None:
        import json

        self.fd = fd
        self._dumps = json.dumps

    def send(self, kind: str, **fields: object) -> None:
        """Write one event as a line of JSON."""
        view = memoryview((self._dumps({"e": kind, **fields}) + "\n").encode())
        while view:
            view = view[os.write(self.fd, view) :]


def _marks(item: pytest.Item) -> dict:
    points = item.get_closest_marker("points")
    skill = item.get_closest_marker("skill")
    value = points.args[0] if points and points.args else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        value = None
    name = skill.args[0] if skill and skill.args else None
    return {"points": value, "skill": name if isinstance(name, str) else None}


def _message(report: pytest.TestReport) -> str:
    if report.skipped and isinstance(report.longrepr, tuple):
        return cap(str(report.longrepr[2]))
    return cap(report.longreprtext) if report.failed else ""


MISSING = re.compile(r"No module named '([\w.]+)'")


def import_failure(text: str, finder: CandidateModules) -> str | None:
    """Say in the candidate's terms why a test module could not import their code, or None."""
    for name, exc in finder.failures.items():
        if re.search(rf"\b(from|import) {re.escape(name)}\b", text):
            trace = str(exc.__cause__ or "") or f"{type(exc).__name__}: {exc}"
            return f"Importing your module {name!r} failed:\n{trace.rstrip()}"
    missing = MISSING.search(text)
    if missing and missing.group(1).partition(".")[0] not in finder.names:
        top = missing.group(1).partition(".")[0]
        return (
            f"The tests import a module named {top!r}, but none of your files defines it "
            f"(expected {top}.py, or a folder {top}/ with __init__.py)."
        )
    return None


def decide(reports: dict[str, pytest.TestReport]) -> tuple[str, str]:
    """Return a test's outcome and message from its setup, call and teardown reports."""
    setup, call, teardown = (reports.get(w) for w in ("setup", "call", "teardown"))
    if setup is None:
        return "error", "the test's setup never ran"
    if setup.skipped:
        return "skipped", _message(setup)
    if setup.failed:
        return "error", _message(setup)
    if call is None:
        return "error", "the test was never called"
    outcome = {"passed": "passed", "failed": "failed", "skipped": "skipped"}[call.outcome]
    message = _message(call)
    if teardown is not None and teardown.failed and outcome in ("passed", "skipped"):
        return "error", _message(teardown)
    return outcome, message


class HarnessPlugin:
    """Report collection and each test's outcome to the supervisor."""

    def __init__(self, events: EventWriter, finder: CandidateModules, peer: Any) -> None:
        self.events = events
        self.finder = finder
        self.peer = peer
        self.collection_errors: list[dict] = []
        self.reports: dict[str, pytest.TestReport] = {}
        self.lost_during: str | None = None
        self._started = 0.0

    @pytest.hookimpl(tryfirst=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        config.addinivalue_line("markers", "points(n): the points this test is worth")
        config.addinivalue_line("markers", "skill(name): the skill this test measures")

    @pytest.hookimpl(trylast=True)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        # After pytest's assertion rewriter is installed: the candidate's names must be ours.
        self.finder.install()

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            message = import_failure(report.longreprtext, self.finder)
            if message:
                report.longrepr = message  # pytest prints the same, candidate-facing text
            self.collection_errors.append(
                {"path": report.nodeid or str(report.fspath), "message": cap(report.longreprtext)}
            )
        self._note_loss("collection")

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        tests = [{"id": item.nodeid, **_marks(item)} for item in session.items]
        self.events.send("collected", tests=tests, errors=self.collection_errors)

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem: pytest.Item | None):
        self.events.send("start", id=item.nodeid)
        self.reports = {}
        self._started = time.perf_counter()
        try:
            return (yield)
        finally:
            outcome, message = decide(self.reports)
            self._note_loss(item.nodeid)
            self.events.send(
                "result",
                id=item.nodeid,
                outcome=outcome,
                duration_s=time.perf_counter() - self._started,
                message=message,
            )

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.reports[report.when] = report

    def _note_loss(self, where: str) -> None:
        if self.lost_during is None and self.peer is not None and self.peer.closed is not None:
            self.lost_during = where

    def candidate_state(self, connect_error: str | None) -> dict:
        """Describe how the candidate's process fared, for the record."""
        peer = self.peer
        return {
            "connected": peer is not None,
            "closed": connect_error or (peer.closed if peer is not None else None),
            "lost_during": "start" if connect_error else self.lost_during,
            "violations": list(peer.violations[:5]) if peer is not None else [],
        }
