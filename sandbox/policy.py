"""Decide which submitted files may reach the sandbox; refuse the rest, each with a reason."""

from __future__ import annotations

import fnmatch
import sys
from collections.abc import Collection, Mapping

from .errors import SubmissionRefused
from .paths import path_problem

# Configuration pytest or Python would pick up: conftest.py can register hooks that rewrite
# reports; *.ini/*.toml/*.cfg can change pytest options (addopts, plugins); *.pth and
# site/usercustomize run code at interpreter start-up.
REFUSED_NAMES = {"conftest.py", "sitecustomize.py", "usercustomize.py", "__main__.py"}
REFUSED_SUFFIXES = (".ini", ".toml", ".cfg", ".pth", ".pyc", ".pyo", ".so", ".pyd")
# What one submission may weigh: a candidate's source, not data. The app refuses the same at
# save time (assessor/services/attempts.py), through size_problems.
MAX_FILE_KB = 256
MAX_TOTAL_KB = 1024
# Libraries of the sandbox image and the harness: a module of the same name would shadow them.
IMAGE_MODULES = {
    "pytest",
    "_pytest",
    "py",
    "pluggy",
    "iniconfig",
    "packaging",
    "pygments",
    "flask",
    "werkzeug",
    "jinja2",
    "markupsafe",
    "itsdangerous",
    "click",
    "blinker",
    "sqlalchemy",
    "greenlet",
    "typing_extensions",
    "graphql",
    "sandbox_harness",
    "sandbox",
    "tests",
}


def _module_name(path: str) -> str:
    """Return the top-level module a path defines when on sys.path (its first component)."""
    head = path.split("/", 1)[0]
    return head.removesuffix(".py") if "/" not in path else head


def _is_editable(path: str, editable: Collection[str]) -> bool:
    return path in editable or any(
        "*" in pattern and fnmatch.fnmatchcase(path, pattern) for pattern in editable
    )


def file_problems(path: str, text: object, editable: Collection[str]) -> list[str]:
    """Return every rule one submitted file breaks."""
    problem = path_problem(path)
    if problem:
        return [f"{path!r}: the path {problem}"]
    problems = []
    name = path.rsplit("/", 1)[-1]
    stem = name.removesuffix(".py")
    module = _module_name(path)
    if not _is_editable(path, editable):
        problems.append(f"{path!r}: not a file this challenge lets you edit")
    if name in REFUSED_NAMES:
        problems.append(f"{path!r}: {name} is refused (it would configure or start the grader)")
    elif name.endswith(REFUSED_SUFFIXES):
        problems.append(f"{path!r}: configuration and compiled files are refused")
    if module in sys.stdlib_module_names:
        problems.append(f"{path!r}: shadows the standard-library module {module!r}")
    elif module.lower() in IMAGE_MODULES:
        problems.append(f"{path!r}: shadows {module!r}, used by the test runner")
    if name.endswith(".py") and (stem.startswith("test_") or stem.endswith("_test")):
        problems.append(f"{path!r}: looks like a test module; tests come from the challenge")
    if not isinstance(text, str):
        problems.append(f"{path!r}: must be text")
    elif "\x00" in text:
        problems.append(f"{path!r}: contains NUL bytes (only text files are accepted)")
    return problems


def size_problems(
    files: Mapping[str, object], max_file_kb: int = MAX_FILE_KB, max_total_kb: int = MAX_TOTAL_KB
) -> list[str]:
    """Return the files over the per-file limit, and the total when it is over its limit."""
    problems, total = [], 0
    for path in sorted(files, key=str):
        text = files[path]
        if not isinstance(text, str):
            continue
        size = len(text.encode("utf-8", "surrogatepass"))
        total += size
        if size > max_file_kb * 1024:
            problems.append(f"{path!r}: {size // 1024} KB is over the {max_file_kb} KB file limit")
    if total > max_total_kb * 1024:
        problems.append(f"the files total {total // 1024} KB, over the {max_total_kb} KB limit")
    return problems


def check_submission(
    files: Mapping[str, str],
    editable: Collection[str],
    max_file_kb: int = MAX_FILE_KB,
    max_total_kb: int = MAX_TOTAL_KB,
    max_files: int = 50,
) -> None:
    """Raise SubmissionRefused listing every problem, or return when the submission is acceptable.

    `editable` holds the paths the challenge declares editable; entries with `*` are globs.
    """
    problems: list[str] = []
    if len(files) > max_files:
        problems.append(f"{len(files)} files is over the limit of {max_files}")
    seen: dict[str, str] = {}
    for path in sorted(files, key=str):
        problems.extend(file_problems(path, files[path], editable))
        folded = str(path).lower()
        if folded in seen:
            problems.append(f"{path!r}: differs from {seen[folded]!r} only by letter case")
        seen[folded] = str(path)
    problems.extend(size_problems(files, max_file_kb, max_total_kb))
    if problems:
        raise SubmissionRefused(problems)
