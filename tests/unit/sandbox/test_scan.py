"""The static scan: each gaming vector yields a flag with its file and line."""

from __future__ import annotations

import ast
import textwrap
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

import sandbox
from sandbox import scan


def codes(source: str, path: str = "solution.py", **extra: str) -> set[tuple[str, int | None]]:
    flags = sandbox.scan_files({path: textwrap.dedent(source), **extra})
    assert all(f.path is not None for f in flags)
    return {(f.code, f.line) for f in flags}


@pytest.mark.parametrize(
    "source, code",
    [
        ("import pytest", "pytest_internals"),
        ("from _pytest import runner", "pytest_internals"),
        ("import pluggy", "pytest_internals"),
        ("import sys\nsys.modules['limiter'] = None", "sys_modules"),
        ("from sys import modules", "sys_modules"),
        ("import gc", "gc_access"),
        ("import ctypes", "ctypes"),
        ("import inspect\ninspect.currentframe()", "frame_inspection"),
        ("import sys\nsys._getframe(1)", "frame_inspection"),
        ("def f(frame):\n    return frame.f_back", "frame_inspection"),
        ("def f(frame):\n    return frame.f_locals", "frame_inspection"),
        ("import builtins\nbuiltins.len = lambda x: 0", "builtins_patch"),
        ("__builtins__['print'] = None", "builtins_patch"),
        ("import os\nos._exit(0)", "hard_exit"),
        ("from os import _exit\n_exit(0)", "hard_exit"),
        ("import sys\nsys.exit(0)", "hard_exit"),
        ("import signal", "signal_use"),
        ("import os\nos.kill(1, 9)", "signal_use"),
        ("import sys\nsys.meta_path.insert(0, object())", "import_hooks"),
        ("import atexit", "atexit"),
        ("import sys\nsys.settrace(None)", "trace_hooks"),
        ("import time\ntime.time = lambda: 0", "module_patch"),
        ("import os\nsetattr(os, 'getpid', None)", "module_patch"),
        ("eval('1')", "dynamic_code"),
        ("__import__('os')", "dynamic_code"),
        ("import os\nos.write(3, b'x')", "file_descriptors"),
        ("open('/tmp/job/tests/hidden/test_x.py', 'w')", "test_files_access"),
        ("open('notes.txt', 'w')", "file_write"),
        ("print('@@ASSESSOR-RESULT@@ ' + 'x')", "test_files_access"),
        ("import subprocess", "process_spawn"),
        ("import os\nos.fork()", "process_spawn"),
        ("x = ().__class__.__subclasses__()", "introspection"),
    ],
)
def test_flags_each_gaming_vector(source, code):
    assert code in {c for c, _ in codes(source)}


@pytest.mark.parametrize(
    "source, expected",
    [
        ("import os\nname = 'du' + 'p2'\ngetattr(os, name)(1, 2)", {("computed_access", 3)}),
        ("getattr(frame, f'f_{which}')", {("computed_access", 1)}),
        ("getattr(frame, ''.join(['f_', 'back']))", {("computed_access", 1)}),
        ("getattr(frame, chr(102) + '_back')", {("computed_access", 1)}),
        ("getattr(frame, 'f_' + 'back')", {("computed_access", 1), ("frame_inspection", 1)}),
        ("import os\nsetattr(os, name, None)", {("computed_access", 2), ("module_patch", 2)}),
        ("import os\ndelattr(os, name)", {("computed_access", 2), ("module_patch", 2)}),
        ("import sys\nvars(sys)[name]", {("computed_access", 2)}),
        ("import sys\nsys.__dict__.get(name)", {("computed_access", 2)}),
        ("x.__getattribute__(name)", {("computed_access", 1)}),
        ("object.__getattribute__(x, name)", {("computed_access", 1)}),
        ("import operator\noperator.attrgetter(name)(x)", {("computed_access", 2)}),
        ("read = getattr\nread(x, name)", {("computed_access", 1)}),
        ("list(map(getattr, objects, names))", {("computed_access", 1)}),
    ],
)
def test_flags_attribute_names_computed_at_run_time(source, expected):
    assert expected <= codes(source)


@pytest.mark.parametrize(
    "source, expected",
    [
        ("import os\ngetattr(os, 'dup2')(1, 2)", ("file_descriptors", 2)),
        ("import os\ngetattr(os, '_exit')(0)", ("hard_exit", 2)),
        ("import sys\ngetattr(sys, 'modules')", ("sys_modules", 2)),
        ("import sys\ngetattr(sys, '_getframe')(1)", ("frame_inspection", 2)),
        ("def f(frame):\n    return getattr(frame, 'f_back')", ("frame_inspection", 2)),
        ("def f(fn):\n    return getattr(fn, '__globals__', None)", ("introspection", 2)),
        ("import builtins\ngetattr(builtins, 'eval')('1')", ("dynamic_code", 2)),
        ("import unittest\ngetattr(unittest, 'mock')", ("module_patch", 2)),
        ("import os\nvars(os)['dup2'](1, 2)", ("file_descriptors", 2)),
        ("import os\nos.__dict__.get('dup2')(1, 2)", ("file_descriptors", 2)),
        ("object.__getattribute__(f, '__globals__')", ("introspection", 1)),
        ("import operator\noperator.attrgetter('f_back.f_locals')(x)", ("frame_inspection", 2)),
    ],
)
def test_literal_names_are_flagged_like_the_attribute_they_name(source, expected):
    assert expected in codes(source)


@pytest.mark.parametrize(
    "source, expected",
    [
        ("__import__(name)", ("computed_import", 1)),
        ("__import__('c' + 'types')", ("computed_import", 1)),
        ("import importlib\nimportlib.import_module(name)", ("computed_import", 2)),
        ("import importlib\nimportlib.import_module(name=f'{x}')", ("computed_import", 2)),
        ("import importlib\nimportlib.__import__(name)", ("computed_import", 2)),
        ("import builtins\nbuiltins.__import__(name)", ("computed_import", 2)),
        ("from importlib import import_module\nimport_module(name)", ("computed_import", 2)),
        ("__builtins__.__import__(name)", ("computed_import", 1)),
        ("__import__('ctypes')", ("ctypes", 1)),
        ("__import__('c' + 'types')", ("ctypes", 1)),
        ("import importlib\nimportlib.import_module('gc')", ("gc_access", 2)),
        ("import importlib\nimportlib.__import__('signal')", ("signal_use", 2)),
        ("from importlib import import_module as load\nload('gc')", ("gc_access", 2)),
        ("import importlib\nimportlib.import_module('unittest.mock')", ("module_patch", 2)),
        ("__import__('os').dup2(1, 2)", ("file_descriptors", 1)),
        ("gone = __import__('os')\ngone.dup2(1, 2)", ("file_descriptors", 2)),
    ],
)
def test_flags_imports_by_computed_or_literal_name(source, expected):
    assert expected in codes(source)


@pytest.mark.parametrize(
    "source, expected",
    [
        ("import sys as s\ns.modules['gc']", {("sys_modules", 2), ("gc_access", 2)}),
        ("from sys import modules\nmodules['ctypes']", {("sys_modules", 1), ("ctypes", 2)}),
        ("from sys import modules as m\nm.get('gc')", {("sys_modules", 1), ("gc_access", 2)}),
        ("import sys\nsys.modules.get('ctypes')", {("sys_modules", 2), ("ctypes", 2)}),
        ("import sys\nsys.modules.pop('limiter')", {("sys_modules", 2)}),
        ("import sys\nvars(sys)['modules']", {("sys_modules", 2)}),
        ("import sys\nsys.__dict__['modules']['gc']", {("sys_modules", 2), ("gc_access", 2)}),
        ("import sys\nloaded = sys.modules\nloaded['gc']", {("gc_access", 3)}),
        ("import sys\nsys.modules['os'].dup2(1, 2)", {("file_descriptors", 2)}),
        ("from sys import *\nmodules['gc']", {("sys_modules", 2), ("gc_access", 2)}),
    ],
)
def test_flags_sys_modules_in_every_spelling(source, expected):
    assert expected <= codes(source)


@pytest.mark.parametrize(
    "source, line",
    [
        ("import unittest.mock", 1),
        ("from unittest import mock", 1),
        ("from unittest import mock as m", 1),
        ("from unittest.mock import patch", 1),
        ("import mock", 1),
        ("import unittest\nunittest.mock.patch('limiter.time')", 2),
        ("import unittest as u\nwith u.mock.patch('time.time'):\n    pass", 2),
    ],
)
def test_flags_mock_patching_in_every_form(source, line):
    assert ("module_patch", line) in codes(source)


@pytest.mark.parametrize(
    "source, line",
    [
        ("from os import dup2", 1),
        ("from os import dup2 as rewire\nrewire(1, 2)", 2),
        ("import os as o\no.dup2(1, 2)", 2),
        ("import posix\nposix.dup2(1, 2)", 2),
        ("from posix import close", 1),
        ("import os\nos.pipe()", 2),
        ("import os\nos.set_inheritable(3, True)", 2),
        ("import os\nos.closerange(0, 3)", 2),
        ("import fcntl", 1),
        ("from os import *\ndup2(1, 2)", 2),
        ("import os\nrewire = os.dup2\nrewire(1, 2)", 2),
        ("import os\nalias = os\nalias.write(1, b'x')", 3),
        ("import os\nhandlers = [os.close]", 2),
    ],
)
def test_flags_file_descriptors_through_aliases(source, line):
    assert ("file_descriptors", line) in codes(source)


@pytest.mark.parametrize(
    "source, code",
    [
        ("import ctypes as c", "ctypes"),
        ("from ctypes import *", "ctypes"),
        ("from ctypes import CDLL as loader", "ctypes"),
        ("from gc import get_objects", "gc_access"),
        ("import gc as g\ng.get_objects()", "gc_access"),
        ("import inspect as i\ni.stack()", "frame_inspection"),
        ("run = eval\nrun('1')", "dynamic_code"),
        ("import time as t\nclock = t\nclock.time = lambda: 0", "module_patch"),
    ],
)
def test_flags_dangerous_modules_under_any_alias(source, code):
    assert code in {c for c, _ in codes(source)}


@pytest.mark.parametrize(
    "method",
    [
        "def __eq__(self, other):\n        return True",
        "def __eq__(self, other):\n        '''Always.'''\n        return True",
        "def __eq__(self, other):\n        return self is self",
        "def __ne__(self, other):\n        return False",
        "def __hash__(self):\n        return 0",
        "__eq__ = lambda self, other: True",
        "__lt__ = lambda self, other: self.x > 0",
    ],
)
def test_flags_always_equal_objects(method):
    source = f"class Answer:\n    {method}\n"
    assert ("always_equal", 2) in codes(source)


def test_honest_comparisons_are_not_flagged():
    source = """
    class Point:
        def __init__(self, x):
            self.x = x

        def __eq__(self, other):
            return isinstance(other, Point) and other.x == self.x

        def __hash__(self):
            return hash(self.x)
    """
    assert codes(source) == set()


def test_an_ordinary_solution_has_no_flags():
    source = """
    import threading
    import time
    from dataclasses import dataclass

    from app.models import Bucket


    @dataclass
    class TokenBucket:
        rate: float
        tokens: float = 0.0

        def allow(self) -> bool:
            with threading.Lock():
                self.tokens = min(self.rate, self.tokens + time.monotonic())
            return True


    Bucket.default_rate = 3  # the submission's own module: fair game
    """
    assert codes(source, "limiter.py", **{"app/models.py": "class Bucket: pass\n"}) == set()


def test_ordinary_reflection_and_standard_library_use_has_no_flags():
    source = """
    import json
    import os
    import threading
    from dataclasses import dataclass, field


    @dataclass(frozen=True)
    class Settings:
        root: str
        timeout: float = 5.0
        tags: dict = field(default_factory=dict)

        def __post_init__(self):
            object.__setattr__(self, "root", os.path.join(self.root, "data"))


    class Document:
        def __init__(self, **fields):
            for key, value in fields.items():
                setattr(self, key, value)

        def update(self, body):
            for key in body.keys() & {"title", "text"}:
                if hasattr(self, key):
                    setattr(self, key, body[key])


    def load(path, settings):
        timeout = getattr(settings, "timeout", 1.0)
        name = getattr(settings, "__name__", "settings")
        options = json.loads(open(os.path.join(path, "config.json")).read())
        entry, exit = options.get("entry", 0), options.get("exit", 0)
        lock = threading.Lock()
        with lock:
            return {"name": name, "timeout": options.get("timeout", timeout), "span": exit - entry}
    """
    assert codes(source) == set()


@pytest.mark.parametrize("depth", [600, 5000])
def test_code_too_deep_to_scan_is_flagged_not_a_crash(depth):
    assert "scan_incomplete" in {c for c, _ in codes("x" + ".a" * depth)}


def test_syntax_errors_become_a_flag_and_do_not_stop_the_scan():
    flags = sandbox.scan_files({"bad.py": "def broken(:\n", "good.py": "import gc\n"})
    assert [(f.code, f.path, f.line) for f in flags] == [
        ("syntax_error", "bad.py", 1),
        ("gc_access", "good.py", 1),
    ]


def test_only_python_files_are_scanned():
    assert sandbox.scan_files({"schema.sql": "import gc"}) == ()


def test_scanning_from_many_threads_never_parses_concurrently(monkeypatch):
    """CPython 3.11.7's ast.parse is not thread-safe ("AST constructor recursion depth
    mismatch", seen in CI); workers grade in threads, so parsing must be serialized."""
    real_parse, inside, most = ast.parse, [0], [0]
    guard = threading.Lock()

    def watched_parse(*args, **kwargs):
        with guard:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
        time.sleep(0.01)  # give other threads every chance to enter at the same time
        try:
            return real_parse(*args, **kwargs)
        finally:
            with guard:
                inside[0] -= 1

    monkeypatch.setattr(scan.ast, "parse", watched_parse)
    # Each thread scans other content, so none is answered from the cache without parsing.
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(
            pool.map(lambda i: scan.scan_source("a.py", f"import gc\n# {i}\n"), range(32))
        )
    assert most[0] == 1
    assert all([f.code for f in flags] == ["gc_access"] for flags in results)


@pytest.fixture
def parses(monkeypatch):
    """Count ast.parse calls, starting from an empty scan cache."""
    monkeypatch.setattr(scan, "_cache", scan.ScanCache())
    real_parse, count = ast.parse, [0]

    def counted(*args, **kwargs):
        count[0] += 1
        return real_parse(*args, **kwargs)

    monkeypatch.setattr(scan.ast, "parse", counted)
    return count


def test_the_same_content_is_scanned_once(parses):
    first = scan.scan_source("a.py", "import gc\n")
    again = scan.scan_source("a.py", "import gc\n")
    assert parses[0] == 1
    assert again == first == [sandbox.Flag("gc_access", first[0].message, "a.py", 1)]
    again.append("mutated")  # the caller's list is its own: the cache cannot be changed through it
    assert scan.scan_source("a.py", "import gc\n") == first


def test_changed_content_path_or_modules_are_scanned_again(parses):
    scan.scan_source("a.py", "import gc\n")
    assert [f.code for f in scan.scan_source("a.py", "import ctypes\n")] == ["ctypes"]
    assert [f.path for f in scan.scan_source("b.py", "import gc\n")] == ["b.py"]
    # The submission's own module names change what counts as patching a module.
    assert scan.scan_source("a.py", "import gc\n", frozenset({"gc"})) is not None
    assert parses[0] == 4


def test_the_cache_is_bounded_and_drops_the_least_recently_used(monkeypatch, parses):
    monkeypatch.setattr(scan, "_cache", scan.ScanCache(size=3))
    for i in range(3):
        scan.scan_source("a.py", f"x = {i}\n")
    scan.scan_source("a.py", "x = 0\n")  # used again: now the most recent
    scan.scan_source("a.py", "x = 3\n")  # pushes out x = 1, the least recently used
    assert len(scan._cache) == 3
    parsed = parses[0]
    scan.scan_source("a.py", "x = 0\n")
    assert parses[0] == parsed
    scan.scan_source("a.py", "x = 1\n")
    assert parses[0] == parsed + 1


def test_the_cache_is_shared_safely_between_threads(monkeypatch, parses):
    monkeypatch.setattr(scan, "_cache", scan.ScanCache(size=16))
    sources = [f"import gc\nx = {i % 40}\n" for i in range(400)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda src: scan.scan_source("a.py", src), sources))
    assert all([(f.code, f.line) for f in flags] == [("gc_access", 1)] for flags in results)
    assert len(scan._cache) == 16
    assert scan._cache.hits + scan._cache.misses == 400
