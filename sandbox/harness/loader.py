"""Import test modules from sources captured before any candidate code ran.

Candidate code runs during collection (test modules import it), so it could rewrite a test file
that pytest has not imported yet, or plant a forged cached `.pyc` for it. This finder sits first
on `sys.meta_path` and serves every Python file of the tests folder from the in-memory copy.
"""

from __future__ import annotations

import ast
import fnmatch
import importlib.abc
import importlib.util
import os
from collections.abc import Callable
from pathlib import Path
from types import CodeType, ModuleType

Rewriter = Callable[[ast.Module, bytes, str], None]
REWRITE_PATTERNS = ("test_*.py", "*_test.py", "conftest.py")


def capture_sources(root: Path) -> dict[str, bytes]:
    """Read every Python file under `root`, keyed by its absolute normalised path."""
    return {
        os.path.normpath(str(path)): path.read_bytes()
        for path in sorted(root.rglob("*.py"))
        if path.is_file()
    }


class TestSourceFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Find and load the captured test sources; remember every module and code object made."""

    __test__ = False

    def __init__(self, sources: dict[str, bytes]) -> None:
        self.sources = sources
        self.rewriter: Rewriter | None = None
        self.modules: dict[int, ModuleType] = {}
        self.code_ids: set[int] = set()
        self._codes: list[CodeType] = []
        self._origins: dict[str, str] = {}

    def install(self) -> None:
        """Put the finder first on sys.meta_path, ahead of pytest's assertion rewriter."""
        import sys

        if self in sys.meta_path:
            sys.meta_path.remove(self)
        sys.meta_path.insert(0, self)

    def find_spec(self, fullname, path, target=None):
        """Return a spec for a captured test file, or None to let other finders look."""
        if not path:
            return None
        leaf = fullname.rpartition(".")[2]
        for entry in path:
            for candidate, package in (
                (os.path.join(entry, leaf + ".py"), False),
                (os.path.join(entry, leaf, "__init__.py"), True),
            ):
                key = os.path.normpath(candidate)
                if key in self.sources:
                    return importlib.util.spec_from_file_location(
                        fullname,
                        key,
                        loader=self,
                        submodule_search_locations=[os.path.dirname(key)] if package else None,
                    )
        return None

    def create_module(self, spec):
        """Use the default module creation."""
        return None

    def exec_module(self, module: ModuleType) -> None:
        """Execute the captured source of `module`, assertion-rewritten like pytest does."""
        origin = module.__spec__.origin
        code = self.compile(origin)
        self.modules[id(module)] = module
        self._origins[module.__name__] = origin
        exec(code, module.__dict__)  # noqa: S102 - this is the import of a test module

    def get_source(self, fullname: str) -> str | None:
        """Return the captured source, so tracebacks show what actually ran."""
        origin = self._origins.get(fullname)
        return None if origin is None else self.sources[origin].decode("utf-8", "replace")

    def compile(self, origin: str) -> CodeType:
        """Compile one captured file and remember all of its code objects."""
        source = self.sources[origin]
        tree = ast.parse(source, filename=origin)
        name = os.path.basename(origin)
        if self.rewriter is not None and any(fnmatch.fnmatch(name, p) for p in REWRITE_PATTERNS):
            self.rewriter(tree, source, origin)
        code = compile(tree, origin, "exec", dont_inherit=True)
        stack = [code]
        while stack:
            current = stack.pop()
            self._codes.append(current)
            self.code_ids.add(id(current))
            stack.extend(c for c in current.co_consts if isinstance(c, CodeType))
        return code

    def owns_module(self, module: object) -> bool:
        """Tell whether `module` was executed by this finder from a captured source."""
        return self.modules.get(id(module)) is module

    def owns_code(self, code: object) -> bool:
        """Tell whether `code` was compiled by this finder from a captured source."""
        return id(code) in self.code_ids
