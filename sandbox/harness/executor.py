"""Carry out one request on a local object: the operations a handle can forward."""

from __future__ import annotations

import importlib
import operator
from typing import Any


class Ignored(Exception):
    """Raised by a policy for a request to acknowledge without performing it."""


def _call(target: Any, args: list, kwargs: dict) -> Any:
    if not isinstance(args, list | tuple) or not isinstance(kwargs, dict):
        raise TypeError("malformed call arguments")
    return target(*args, **kwargs)


def _callmethod(target: Any, name: str, args: list, kwargs: dict) -> Any:
    return _call(getattr(target, name), args, kwargs)


def _import(target: Any, name: str) -> Any:
    if not isinstance(name, str):
        raise TypeError("a module name must be a string")
    return importlib.import_module(name)


def _setattr(target: Any, name: str, value: Any) -> None:
    setattr(target, name, value)


def _delattr(target: Any, name: str) -> None:
    delattr(target, name)


def _setitem(target: Any, key: Any, value: Any) -> None:
    target[key] = value


def _delitem(target: Any, key: Any) -> None:
    del target[key]


def _enter(target: Any) -> Any:
    return type(target).__enter__(target)


def _exit(target: Any, kind: Any, value: Any) -> Any:
    return type(target).__exit__(target, kind, value, None)


OPERATIONS = {
    "import": _import,
    "getattr": getattr,
    "setattr": _setattr,
    "delattr": _delattr,
    "call": _call,
    "callmethod": _callmethod,
    "len": len,
    "getitem": operator.getitem,
    "setitem": _setitem,
    "delitem": _delitem,
    "contains": lambda target, item: item in target,
    "iter": iter,
    "next": next,
    "str": str,
    "dir": lambda target: sorted(name for name in dir(target) if isinstance(name, str)),
    "vars": lambda target: {k: v for k, v in vars(target).items() if not k.startswith("__")},
    "enter": _enter,
    "exit": _exit,
}


def execute(op: str, target: Any, args: tuple) -> Any:
    """Run operation `op` on `target` with `args`, as the other side's handle asked."""
    function = OPERATIONS.get(op) if isinstance(op, str) else None
    if function is None:
        raise ValueError(f"unknown operation {op!r}")
    return function(target, *args)
