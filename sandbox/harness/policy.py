"""What each side shares, describes and accepts: strict in the tester, open in the candidate.

The tester runs the tests and decides outcomes, so it shares only what a test hands over and
lets the candidate's code reach nothing else: no modules, frames, code or tracebacks, no private
attributes, no hooks that observe the grading (see shared_db), no test sources.
The candidate's side needs no such care: everything in its container is its own.
"""

from __future__ import annotations

import builtins
import dataclasses
import enum
import os
import sys
import traceback
import types
from typing import Any

from . import shared_db
from .mirrors import DEMOTED, PROTOCOLS, plain_name

HARNESS_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
ENUM_BASES = (("int", int), ("str", str))
FLAVORS = ("object", "exception", "dataclass", "namedtuple", "enum")
TEXT_LIMIT = 64 * 1024
TRACE_LIMIT = 16 * 1024
METHOD_TYPES = (
    types.FunctionType,
    types.MethodDescriptorType,
    types.BuiltinFunctionType,
    staticmethod,
    classmethod,
)
# Never shared by the tester: each would open the tester's process, files or imports.
UNSHAREABLE_TYPES = (
    types.ModuleType,
    types.FrameType,
    types.CodeType,
    types.TracebackType,
    types.CellType,
)
UNSHAREABLE_BUILTINS = {
    getattr(builtins, name)
    for name in (
        *("eval", "exec", "compile", "__import__", "getattr", "setattr", "delattr", "vars"),
        *("globals", "locals", "open", "breakpoint", "input", "help", "exit", "quit"),
        "memoryview",
    )
}
UNSHAREABLE_MODULES = {"os", "posix", "sys", "subprocess", "importlib", "gc", "ctypes", "shutil"}
UNSHAREABLE_MODULES |= {"pickle", "marshal", "builtins", "runpy", "code", "inspect", "io", "_io"}
READABLE_DUNDERS = {"__name__", "__qualname__", "__doc__"}
# Standard-library exceptions a test may catch as themselves; these would change how pytest
# treats a test (a skip, a debugger quit) and always stay mirrors.
UNRESOLVED_MODULES = {"unittest", "bdb", "pdb", "doctest"}


def flavor_of(cls: type) -> str:
    """Return how values of `cls` travel: as handles, exceptions, records, tuples or members."""
    if issubclass(cls, BaseException):
        return "exception"
    if issubclass(cls, enum.Enum):
        return "enum"
    if dataclasses.is_dataclass(cls):
        return "dataclass"
    if issubclass(cls, tuple) and isinstance(getattr(cls, "_fields", None), tuple):
        return "namedtuple"
    return "object"


def describe(cls: type, *, methods: bool, module: str | None = None) -> tuple[dict, list]:
    """Return the descriptor of `cls` and its bases (object excluded)."""
    flavor = flavor_of(cls)
    desc: dict[str, Any] = {
        "name": cls.__name__,
        "qualname": cls.__qualname__ if module is None else cls.__name__,
        "module": module or cls.__module__,
        "flavor": flavor,
        "protocols": [p for p in PROTOCOLS if callable(getattr(cls, p, None))],
    }
    if methods:
        names = set()
        for klass in cls.__mro__[:-1]:
            names.update(n for n, v in vars(klass).items() if isinstance(v, METHOD_TYPES))
        desc["methods"] = sorted(n for n in names if plain_name(n))
    if flavor == "dataclass":
        params = getattr(cls, "__dataclass_params__", None)
        desc["fields"] = [f.name for f in dataclasses.fields(cls)]
        desc["frozen"] = bool(getattr(params, "frozen", False))
        desc["eq"] = bool(getattr(params, "eq", True))
    elif flavor == "enum":
        desc["members"] = [[m.name, m.value] for m in cls]
        desc["enum_base"] = next((n for n, t in ENUM_BASES if issubclass(cls, t)), None)
    elif flavor == "namedtuple":
        desc["fields"] = list(cls._fields)
    return desc, [b for b in cls.__bases__ if b is not object]


def _check_descriptor(desc: dict) -> None:
    from .space import ProtocolError

    for key in ("name", "qualname", "module"):
        if not isinstance(desc.get(key), str):
            raise ProtocolError(f"class descriptor without a {key}")
    if desc.get("flavor") not in FLAVORS:
        raise ProtocolError(f"unknown class flavor {desc.get('flavor')!r}")
    for key in ("protocols", "methods", "fields", "members"):
        if not isinstance(desc.get(key, []), list):
            raise ProtocolError(f"class descriptor with a malformed {key}")
    desc.pop("resolved", None)


def standard_exception(desc: dict, refused: set[str]) -> type | None:
    """Return the local standard-library exception class `desc` names, if already imported."""
    module = desc["module"]
    top = module.partition(".")[0]
    if top not in sys.stdlib_module_names or top in refused or module not in sys.modules:
        return None
    value: Any = sys.modules[module]
    for part in desc["qualname"].split("."):
        if not plain_name(part):
            return None
        value = getattr(value, part, None)
    if isinstance(value, type) and issubclass(value, Exception):
        return value
    return None


class Policy:
    """The rules shared by both sides; subclasses tighten or loosen them."""

    refused_modules: set[str] = set()

    def describe(self, cls: type) -> tuple[dict, list]:
        return describe(cls, methods=True)

    def resolve(self, desc: dict) -> dict:
        _check_descriptor(desc)
        if desc["flavor"] == "exception":
            desc["resolved"] = standard_exception(desc, self.refused_modules)
        return desc

    def builtin(self, cls: type) -> type:
        return cls

    def check_share(self, obj: object) -> None:
        return None

    def check_op(self, op: str, target: object, args: tuple) -> None:
        return None

    def exception_parts(self, exc: BaseException) -> tuple[tuple, str, str | None]:
        try:
            text = str(exc)
        except Exception:  # a broken __str__ must not lose the exception itself
            text = f"<{type(exc).__name__}: message unavailable>"
        return exc.args, text[:TEXT_LIMIT], None

    def local_exception(self, cls: type, args: tuple) -> BaseException:
        """Build an exception of a local class with `args`, as raising it there would."""
        try:
            exc = cls(*args)
        except Exception:
            exc = cls.__new__(cls)
            exc.args = args
        return exc

    def encode_special(self, packing: Any, obj: object) -> Any:
        return None

    def decode_special(self, code: int, value: Any) -> Any:
        return None


class CandidatePolicy(Policy):
    """The candidate's side: share anything, describe fully, send tracebacks."""

    def __init__(self, source: str = "") -> None:
        self.source = source.rstrip(os.sep) + os.sep if source else ""

    def exception_parts(self, exc: BaseException) -> tuple[tuple, str, str | None]:
        args, text, _ = super().exception_parts(exc)
        try:
            report = traceback.TracebackException.from_exception(exc)
            self._tidy(report)
            trace = "".join(report.format())
        except Exception:  # a traceback that cannot be formatted must not lose the error
            trace = ""
        return args, text, trace[-TRACE_LIMIT:] or None

    def _tidy(self, report: traceback.TracebackException) -> None:
        """Keep the candidate's own frames, named as in their editor (`limiter.py`, line 3)."""
        seen = set()
        while report is not None and id(report) not in seen:
            seen.add(id(report))
            kept = []
            for frame in report.stack:
                name = frame.filename
                if name.startswith(HARNESS_DIR) or "importlib" in name or name.startswith("<"):
                    continue  # the agent's dispatch and the import machinery
                if self.source and name.startswith(self.source):
                    frame.filename = name[len(self.source) :]
                kept.append(frame)
            report.stack = traceback.StackSummary.from_list(kept)
            report = report.__cause__ or report.__context__

    def encode_special(self, packing: Any, obj: object) -> Any:
        from .responses import encode_response

        return encode_response(packing, obj)


class TesterPolicy(Policy):
    """The tester's side: share only what tests hand over, and never a way into the tester."""

    __test__ = False  # not a pytest test class, despite the name
    refused_modules = UNRESOLVED_MODULES

    def __init__(self, peer: Any = None) -> None:
        self.peer = peer

    def describe(self, cls: type) -> tuple[dict, list]:
        # No method names, and no module for the tests' own classes: their names are all the
        # candidate learns of the tests. Standard-library classes keep their names, so the
        # candidate's side can recognise its own (`except sqlite3.IntegrityError`).
        standard = cls.__module__.partition(".")[0] in sys.stdlib_module_names
        return describe(cls, methods=standard, module=None if standard else "tests")

    def builtin(self, cls: type) -> type:
        if issubclass(cls, BaseException) and cls.__name__ in DEMOTED:
            return Exception
        return cls

    def check_share(self, obj: object) -> None:
        if isinstance(obj, UNSHAREABLE_TYPES) or _is_unshareable_callable(obj):
            raise TypeError(f"{type(obj).__name__} objects cannot be shared with the candidate")
        if isinstance(obj, (types.GeneratorType, types.CoroutineType, types.AsyncGeneratorType)):
            raise TypeError("generators and coroutines cannot be shared with the candidate")

    def check_op(self, op: str, target: object, args: tuple) -> None:
        if op not in TESTER_OPS:
            raise PermissionError(f"the candidate may not {op!r} in the tester")
        if op in ("getattr", "setattr", "delattr", "callmethod"):
            name = args[0] if args else None
            if not isinstance(name, str):
                raise PermissionError("attribute names must be strings")
            if name.startswith("_") and not (op == "getattr" and name in READABLE_DUNDERS):
                raise PermissionError(f"private attribute {name!r} of a test object")
            if op in ("setattr", "delattr") and not shared_db.settable(target, name):
                # A counter or a switch of a test double would otherwise be the candidate's.
                raise PermissionError(f"attribute {name!r} of a test object is read-only")
            shared_db.check(op, target, args)
        if op == "call" and isinstance(target, type) and not issubclass(target, BaseException):
            raise PermissionError("the candidate may not create objects of test classes")

    def exception_parts(self, exc: BaseException) -> tuple[tuple, str, str | None]:
        if isinstance(exc, AssertionError):  # its message may quote the test's expectations
            return (), "an assertion of the test failed", None
        args, text, _ = super().exception_parts(exc)
        return args, text, None

    def decode_special(self, code: int, value: Any) -> Any:
        from .responses import decode_response

        return decode_response(self.peer, code, value)


TESTER_OPS = {
    "call",
    "callmethod",
    "getattr",
    "setattr",
    "delattr",
    "len",
    "getitem",
    "setitem",
    "delitem",
    "contains",
    "iter",
    "next",
    "str",
    "enter",
    "exit",
}


def _is_unshareable_callable(obj: object) -> bool:
    try:
        if obj in UNSHAREABLE_BUILTINS:
            return True
    except TypeError:  # unhashable objects are not builtins
        pass
    if not callable(obj) or isinstance(obj, type):
        return False
    module = getattr(obj, "__module__", None) or ""
    return module.partition(".")[0] in UNSHAREABLE_MODULES
