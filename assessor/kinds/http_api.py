"""The `http-api` kind: a Python WSGI (Flask) application, tested through a test client."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from assessor.kinds.base import Material, ProblemSink, TestSet
from assessor.kinds.code import PythonModuleKind

DEFAULT_APP = "app:create_app"
APP_RE = re.compile(r"^(?P<module>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*):(?P<factory>[A-Za-z_]\w*)$")
# At the root of the job's tests, so it serves public and hidden tests alike. It is platform
# code: it runs in the test process, and only names the candidate's module and factory.
CONFTEST_PATH = "conftest.py"
CONFTEST = '''"""Fixtures the platform generates for an HTTP API challenge: `app` and `client`.

A test module may define its own `app` or `client` fixture; pytest then uses that one.
"""

import importlib

import pytest

MODULE, FACTORY = {module!r}, {factory!r}


@pytest.fixture
def app():
    """Build the application with its factory, called with no arguments."""
    return getattr(importlib.import_module(MODULE), FACTORY)()


@pytest.fixture
def client(app):
    """Return a test client of the application."""
    return app.test_client()
'''


class HttpApiKind(PythonModuleKind):
    """Candidates build a WSGI application; tests drive it through `app.test_client()`."""

    name = "http-api"
    description = "HTTP API (Python WSGI application)"
    label = "HTTP API"
    option_keys = frozenset({"app"})

    def read_options(
        self, data: Mapping[str, Any], starter: Mapping[str, str], problem: ProblemSink
    ) -> dict[str, Any]:
        """Resolve `app` (default app:create_app) to a factory in a starter module.

        A declared `app` must name a starter module; the default applies only when the starter
        holds app.py, and otherwise the tests build their own client.
        """
        declared = "app" in data
        target = data.get("app", DEFAULT_APP)
        match = APP_RE.match(target) if isinstance(target, str) else None
        if match is None:
            problem(
                "challenge.yaml",
                f"must be 'module:factory' such as {DEFAULT_APP!r}, got {target!r}",
                "app",
            )
            return {}
        stem = match["module"].replace(".", "/")
        if not {f"{stem}.py", f"{stem}/__init__.py"} & set(starter):
            if declared:
                problem(
                    "challenge.yaml",
                    f"module {match['module']!r} is not a file in starter/ (no {stem}.py)",
                    "app",
                )
            return {}
        return {"app": target}

    def test_files(self, material: Material, which: TestSet) -> dict[str, str]:
        """Return the tests, with the generated `app` and `client` fixtures when there is an app."""
        tests = super().test_files(material, which)
        target = material.options.get("app")
        if not target:
            return tests
        module, factory = target.split(":")
        return {CONFTEST_PATH: CONFTEST.format(module=module, factory=factory), **tests}
