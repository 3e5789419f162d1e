"""Detect candidate code that patches pytest, pluggy, builtins or the harness at run time.

Candidate code runs in the same process as pytest, so it can monkeypatch the machinery that
decides outcomes (runner, reports, hook calling). The guard snapshots the identity (and code) of
every critical object before any candidate code is imported and compares after collection and
after each test. It cannot stop a determined attacker in-process; it makes tampering visible.
"""

from __future__ import annotations

import builtins
import importlib
import inspect
import sys
import threading
import types
from collections.abc import Iterable

CRITICAL = {
    "_pytest.runner": (
        "call_and_report",
        "call_runtest_hook",
        "runtestprotocol",
        "pytest_runtest_protocol",
        "pytest_runtest_makereport",
        "CallInfo",
        "check_interactive_exception",
    ),
    "_pytest.reports": ("TestReport", "BaseReport", "CollectReport"),
    "_pytest.python": ("Function", "Module", "Class", "pytest_pyfunc_call"),
    "_pytest.skipping": (
        "pytest_runtest_setup",
        "pytest_runtest_call",
        "pytest_runtest_makereport",
        "evaluate_xfail_marks",
        "evaluate_skip_marks",
    ),
    "_pytest.outcomes": (
        "Skipped",
        "Failed",
        "XFailed",
        "OutcomeException",
        "Exit",
        "fail",
        "skip",
        "xfail",
    ),
    "_pytest.main": ("pytest_runtestloop", "Session"),
    "_pytest.nodes": ("Node", "Item", "Collector"),
    "_pytest.fixtures": ("FixtureDef", "pytest_fixture_setup", "FixtureRequest"),
    "_pytest.pathlib": ("import_path", "_import_module_using_spec"),
    "_pytest.assertion.rewrite": ("rewrite_asserts", "AssertionRewriter"),
    "_pytest.unittest": ("TestCaseFunction",),
    "pluggy._callers": ("_multicall",),
    "pluggy._hooks": ("HookCaller", "HookImpl"),
    "pluggy._manager": ("PluginManager",),
    "os": ("write", "fstat", "_exit"),
    "json": ("dumps",),
}
CRITICAL_HOOKS = (
    "pytest_runtestloop",
    "pytest_runtest_protocol",
    "pytest_runtest_setup",
    "pytest_runtest_call",
    "pytest_runtest_teardown",
    "pytest_runtest_makereport",
    "pytest_pyfunc_call",
    "pytest_runtest_logreport",
    "pytest_fixture_setup",
    "pytest_collection_modifyitems",
    "pytest_collection_finish",
)


def _fingerprint(obj: object) -> tuple:
    """Return the objects that must stay the same for `obj` to count as untouched."""
    func = getattr(obj, "__func__", obj)
    if isinstance(obj, property):
        return (obj, obj.fget, obj.fset, obj.fdel)
    return (
        obj,
        getattr(func, "__code__", None),
        getattr(func, "__defaults__", None),
        getattr(func, "__kwdefaults__", None),
    )


def _same(left: tuple, right: tuple) -> bool:
    return len(left) == len(right) and all(a is b for a, b in zip(left, right, strict=True))


class Guard:
    """Snapshot critical identities, then report every difference found later."""

    def __init__(self, extra_modules: Iterable[types.ModuleType] = ()) -> None:
        self._entries: list[tuple[str, str, object, tuple]] = []
        self._hooks: dict[str, tuple] = {}
        self._hook_relay: object | None = None
        for module_name, names in CRITICAL.items():
            try:
                module = importlib.import_module(module_name)
            except ImportError:
                continue
            for name in names:
                if hasattr(module, name):
                    self._watch(module_name, name, getattr(module, name))
        for module in extra_modules:
            for name, value in vars(module).items():
                if (
                    isinstance(value, types.FunctionType | type)
                    and value.__module__ == module.__name__
                ):
                    self._watch(module.__name__, name, value)
        for name, value in vars(builtins).items():
            self._watch("builtins", name, value)

    def _watch(self, module_name: str, name: str, obj: object) -> None:
        self._entries.append((module_name, name, obj, _fingerprint(obj)))
        if isinstance(obj, type):
            for attr, value in vars(obj).items():
                if isinstance(value, types.FunctionType | classmethod | staticmethod | property):
                    self._entries.append(
                        (module_name, f"{name}.{attr}", value, _fingerprint(value))
                    )

    def watch_hooks(self, hook_relay: object) -> None:
        """Snapshot which implementations serve each critical hook (after conftests loaded)."""
        self._hook_relay = hook_relay
        for name in CRITICAL_HOOKS:
            caller = getattr(hook_relay, name, None)
            if caller is not None:
                self._hooks[name] = self._hook_state(caller)

    @staticmethod
    def _hook_state(caller: object) -> tuple:
        state: list[object] = [caller, getattr(caller, "_hookexec", None)]
        for impl in caller.get_hookimpls():
            state += [impl.plugin, *_fingerprint(impl.function)]
        return tuple(state)

    def problems(self) -> list[str]:
        """Return a description of every watched object that changed since the snapshot."""
        found = []
        for module_name, path, obj, fingerprint in self._entries:
            if _lookup(module_name, path) is not obj or not _same(_fingerprint(obj), fingerprint):
                found.append(f"{module_name}.{path} was replaced or modified")
        for name, state in self._hooks.items():
            caller = getattr(self._hook_relay, name, None)
            if caller is None or not _same(self._hook_state(caller), state):
                found.append(f"the implementations of hook {name} changed")
        if sys.gettrace() is not None or sys.getprofile() is not None:
            found.append("a trace or profile function was installed")
        if getattr(threading, "_trace_hook", None) or getattr(threading, "_profile_hook", None):
            found.append("a thread trace or profile function was installed")
        if sys.flags.optimize:
            found.append("assertions are disabled (-O)")
        return found


_MISSING = object()


def _lookup(module_name: str, path: str) -> object:
    """Look an attribute path up again from its module, reading class attributes raw."""
    obj: object = sys.modules.get(module_name, _MISSING)
    for part in path.split("."):
        if obj is _MISSING:
            return obj
        obj = (
            vars(obj).get(part, _MISSING) if isinstance(obj, type) else getattr(obj, part, _MISSING)
        )
    return obj


def test_function_problem(item: object, finder: object) -> str | None:
    """Return why `item`'s test function is not the one the test file defined, or None."""
    module = getattr(item, "module", None)
    if module is not None and not finder.owns_module(module):
        return "its test module was not loaded from the captured test sources"
    func = getattr(item, "obj", None)
    func = getattr(func, "__func__", func)
    try:
        func = inspect.unwrap(func)
    except ValueError:
        return "its test function cannot be unwrapped"
    func = getattr(func, "__func__", func)
    code = getattr(func, "__code__", None)
    if code is None or not finder.owns_code(code):
        return "its test function does not come from the captured test sources"
    return None
