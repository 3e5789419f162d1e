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
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: scan.scan_source("a.py", "import gc\n"), range(32)))
    assert most[0] == 1
    assert all([f.code for f in flags] == ["gc_access"] for flags in results)
