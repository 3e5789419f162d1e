"""The pytest plugin of the test process: observe each test first-hand and report it upstream.

Outcomes are computed from what the plugin itself saw (the exception thrown through its
`pytest_pyfunc_call` wrapper and the call's excinfo), never taken from pytest's report alone,
and any disagreement or tampering found by the guard turns the test into an error.
"""

from __future__ import annotations

import dataclasses
import hashlib
import inspect
import os
import sys
import time
from pathlib import Path
from types import ModuleType

import pytest

from . import guard as guard_module
from . import loader as loader_module
from .guard import Guard, test_function_problem
from .ledger import cap

RANK = {"passed": 0, "skipped": 1, "failed": 2, "error": 3}


def digest_tree(root: Path) -> dict[str, str]:
    """Return the SHA-256 of every file under `root`, keyed by relative path."""
    return {
        str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


class EventWriter:
    """Send JSON events to the supervisor over the inherited pipe."""

    def __init__(self, fd: int) -> None:
        import json

        self.fd = fd
        stat = os.fstat(fd)
        self.identity = (stat.st_dev, stat.st_ino)
        self._write = os.write
        self._dumps = json.dumps

    def send(self, kind: str, **fields: object) -> None:
        """Write one event as a line of JSON."""
        view = memoryview((self._dumps({"e": kind, **fields}) + "\n").encode())
        while view:
            view = view[self._write(self.fd, view) :]

    def problem(self) -> str | None:
        """Return why the pipe is no longer the one the supervisor gave us, or None."""
        try:
            stat = os.fstat(self.fd)
        except OSError:
            return "the event pipe was closed"
        if (stat.st_dev, stat.st_ino) != self.identity:
            return "the event pipe was replaced"
        return None


@dataclasses.dataclass
class Observation:
    """What the plugin saw of one test."""

    started: float
    invoked: bool = False
    returned: bool = False
    raised: BaseException | None = None
    phases: dict = dataclasses.field(default_factory=dict)
    problems: list = dataclasses.field(default_factory=list)


def _underlying(obj: object) -> object:
    obj = getattr(obj, "__func__", obj)
    try:
        obj = inspect.unwrap(obj)
    except ValueError:
        return obj
    return getattr(obj, "__func__", obj)


class HarnessPlugin:
    """Register the grading markers, guard pytest, and report every test to the supervisor."""

    def __init__(
        self, events: EventWriter, finder: loader_module.TestSourceFinder, tests_root: Path
    ) -> None:
        self.events = events
        self.finder = finder
        self.tests_root = tests_root
        self.digests = digest_tree(tests_root)
        self.guard: Guard | None = None
        self.collection_errors: list[dict] = []
        self.functions: dict[str, object] = {}
        self.tampered: list[str] = []
        self.obs: Observation | None = None
        self._allowed_roots: tuple[str, ...] = ()
        self._skip_types: tuple[type, ...] = ()
        self._unittest_item: type | None = None

    @pytest.hookimpl(tryfirst=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        config.addinivalue_line("markers", "points(n): the points this test is worth")
        config.addinivalue_line("markers", "skill(name): the skill this test measures")

    @pytest.hookimpl(trylast=True)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        import _pytest.outcomes
        import pluggy
        from _pytest.assertion.rewrite import rewrite_asserts

        config = session.config
        self.finder.rewriter = lambda tree, source, path: rewrite_asserts(
            tree, source, path, config
        )
        self.finder.install()
        self._skip_types = (_pytest.outcomes.Skipped, _pytest.outcomes.XFailed)
        try:
            from _pytest.unittest import TestCaseFunction

            self._unittest_item = TestCaseFunction
        except ImportError:
            self._unittest_item = None
        self._allowed_roots = (
            *(
                os.path.dirname(os.path.abspath(module.__file__)) + os.sep
                for module in (_pytest.outcomes, pluggy, guard_module)
            ),
            str(self.tests_root) + os.sep,
        )
        self.guard = Guard(extra_modules=(guard_module, loader_module, sys.modules[__name__]))

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.collection_errors.append(
                {"path": report.nodeid or str(report.fspath), "message": cap(report.longreprtext)}
            )

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.guard.watch_hooks(session.config.hook)
        problems = self._global_problems() + self._plugin_problems(session.config.hook)
        tests = []
        for item in session.items:
            self.functions[item.nodeid] = _underlying(getattr(item, "obj", None))
            problem = test_function_problem(item, self.finder)
            if problem:
                problems.append(f"{item.nodeid}: {problem}")
            tests.append({"id": item.nodeid, **self._grading_marks(item)})
        self.events.send("collected", tests=tests, errors=self.collection_errors)
        if problems:
            self._tamper(problems, [t["id"] for t in tests])

    @staticmethod
    def _grading_marks(item: pytest.Item) -> dict:
        points = item.get_closest_marker("points")
        skill = item.get_closest_marker("skill")
        value = points.args[0] if points and points.args else None
        if isinstance(value, bool) or not isinstance(value, int | float):
            value = None
        name = skill.args[0] if skill and skill.args else None
        return {"points": value, "skill": name if isinstance(name, str) else None}

    def _global_problems(self) -> list[str]:
        problems = self.guard.problems() if self.guard else ["the guard was never set up"]
        if not sys.meta_path or sys.meta_path[0] is not self.finder:
            problems.append("the captured-source finder is no longer first on sys.meta_path")
        pipe = self.events.problem()
        if pipe:
            problems.append(pipe)
        if digest_tree(self.tests_root) != self.digests:
            problems.append("a file of the tests folder was modified")
        return problems

    def _plugin_problems(self, hook_relay: object) -> list[str]:
        """Flag hook implementations registered from outside pytest, pluggy and the tests."""
        problems = []
        for name in guard_module.CRITICAL_HOOKS:
            caller = getattr(hook_relay, name, None)
            for impl in caller.get_hookimpls() if caller else ():
                plugin = impl.plugin
                owner = plugin if isinstance(plugin, ModuleType) else type(plugin)
                try:
                    path = os.path.abspath(inspect.getfile(owner))
                except TypeError:
                    path = "<unknown>"
                if not path.startswith(self._allowed_roots):
                    problems.append(f"hook {name} is implemented by foreign code in {path}")
        return problems

    def _tamper(self, problems: list[str], ids: list[str]) -> None:
        fresh = [p for p in problems if p not in self.tampered]
        self.tampered.extend(fresh)
        if fresh:
            self.events.send("tamper", message="; ".join(fresh)[:1000], ids=ids)

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_protocol(self, item: pytest.Item, nextitem: pytest.Item | None):
        self.events.send("start", id=item.nodeid)
        self.obs = Observation(started=time.perf_counter())
        try:
            return (yield)
        finally:
            self._report(item, self.obs)

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_pyfunc_call(self, pyfuncitem: pytest.Function):
        obs = self.obs
        obs.invoked = True
        problem = test_function_problem(pyfuncitem, self.finder)
        if problem is None and _underlying(pyfuncitem.obj) is not self.functions.get(
            pyfuncitem.nodeid
        ):
            problem = "its test function was replaced after collection"
        if problem:
            obs.problems.append(f"{pyfuncitem.nodeid}: {problem}")
        try:
            result = yield
        except BaseException as exc:
            obs.raised = exc
            raise
        obs.returned = True
        return result

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        report = yield
        excinfo = call.excinfo
        self.obs.phases[call.when] = {
            "exc": excinfo.value if excinfo is not None else None,
            "reported": report.outcome,
            "xfail": hasattr(report, "wasxfail"),
            "message": self._message(report),
        }
        return report

    @staticmethod
    def _message(report: pytest.TestReport) -> str:
        try:
            if report.skipped and isinstance(report.longrepr, tuple):
                return cap(str(report.longrepr[2]))
            return cap(report.longreprtext) if report.failed else ""
        except Exception as exc:  # a hostile __repr__ must not break reporting
            return f"<message unavailable: {type(exc).__name__}>"

    def _report(self, item: pytest.Item, obs: Observation) -> None:
        try:
            outcome, message = self._decide(item, obs)
        except Exception as exc:  # observing must never let a test pass by accident
            outcome, message = "error", f"the harness could not judge this test: {exc!r}"
        problems = obs.problems + self._global_problems()
        if problems:
            self._tamper(problems, [item.nodeid])
            outcome = "error"
            message = cap("runtime tampering detected: " + "; ".join(problems) + "\n" + message)
        elif self.tampered and outcome in ("passed", "skipped"):
            outcome = "error"
            message = "runtime tampering was detected earlier in this run: " + self.tampered[0]
        self.events.send(
            "result",
            id=item.nodeid,
            outcome=outcome,
            duration_s=time.perf_counter() - obs.started,
            message=message,
        )

    def _decide(self, item: pytest.Item, obs: Observation) -> tuple[str, str]:
        """Return the outcome and message of a test from first-hand observation."""
        setup = obs.phases.get("setup")
        call = obs.phases.get("call")
        teardown = obs.phases.get("teardown")
        if setup is None:
            return "error", "the test's setup never ran"
        if setup["exc"] is not None:
            if isinstance(setup["exc"], self._skip_types):
                return "skipped", setup["message"]
            return "error", setup["message"] or repr(setup["exc"])
        if call is None:
            return "error", "the test was never called"
        outcome, message = self._call_outcome(item, obs, call)
        if (
            teardown is not None
            and teardown["exc"] is not None
            and outcome in ("passed", "skipped")
        ):
            return "error", teardown["message"] or repr(teardown["exc"])
        return outcome, message

    def _call_outcome(self, item: pytest.Item, obs: Observation, call: dict) -> tuple[str, str]:
        exc = call["exc"] if call["exc"] is not None else obs.raised
        is_unittest = self._unittest_item is not None and isinstance(item, self._unittest_item)
        if obs.raised is not None and call["exc"] is None:
            obs.problems.append(f"{item.nodeid}: the test raised {obs.raised!r}, then it vanished")
        if exc is None:
            if not is_unittest and not (obs.invoked and obs.returned):
                return "error", "the test function was not run through pytest's call hook"
            mine = "passed"
        elif isinstance(exc, self._skip_types):
            mine = "skipped"
        else:
            mine = "failed"
        reported = call["reported"]
        if call["xfail"]:
            # pytest's expected-failure rules: a failure is "xfailed", a strict xpass fails.
            if mine == "failed" and reported == "skipped":
                mine = "skipped"
            elif reported == "failed":
                mine = "failed"
        elif RANK.get(reported, 3) < RANK[mine]:
            obs.problems.append(f"{item.nodeid}: pytest reported {reported} but it {mine}")
        elif RANK.get(reported, 3) > RANK[mine]:
            mine = reported
        message = call["message"] or ("" if exc is None else cap(repr(exc)))
        return mine, message
