"""Local stand-ins for the other side's objects: handles, records and mirrored classes.

A handle's equality, hash, truth and string form are decided here, from local data only: the
other side is never asked, so an "always equal" object cannot pass an `==` assert. Everything
else (attributes, calls, items, iteration) is a request to the side that owns the object.
"""

from __future__ import annotations

import builtins
import enum
import keyword
from collections import namedtuple
from typing import Any

# The dunder protocols a handle forwards, when the owner's class supports them.
PROTOCOLS = (
    "__call__",
    "__len__",
    "__iter__",
    "__next__",
    "__getitem__",
    "__setitem__",
    "__delitem__",
    "__contains__",
    "__enter__",
    "__exit__",
)
# Base classes the other side may name for its exceptions without a mirror of their own.
# Interrupting exceptions become ordinary ones: a remote KeyboardInterrupt must not stop pytest.
DEMOTED = {"BaseException", "KeyboardInterrupt", "GeneratorExit", "BaseExceptionGroup"}
MAX_NAME = 200
LOCAL_SLOTS = frozenset({"_ref", "_values"})


def is_dunder(name: str) -> bool:
    """Tell whether `name` is a special name (never fetched from the other side implicitly)."""
    return name.startswith("__") and name.endswith("__")


def plain_name(name: object) -> bool:
    """Tell whether `name` may become a method or field of a mirror (no dunders, no keywords)."""
    return (
        isinstance(name, str)
        and name.isidentifier()
        and not keyword.iskeyword(name)
        and not is_dunder(name)
        and len(name) <= MAX_NAME
    )


class RemoteType(type):
    """Metaclass of mirrored classes: calling one constructs the object on the other side."""

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True
        return cls._peer.request("call", cls, args, kwargs)

    def __getattr__(cls, name: str) -> Any:
        __tracebackhide__ = True
        if is_dunder(name) or name in ("_peer", "_class_ref"):
            raise AttributeError(name)
        return cls._peer.request("getattr", cls, name)

    def __repr__(cls) -> str:
        return f"<remote class {cls.__module__}.{cls.__qualname__}>"


class RemoteObject(metaclass=RemoteType):
    """A handle on an object of the other side; identity is the only equality."""

    __slots__ = ("__weakref__", "_ref")

    def __getattr__(self, name: str) -> Any:
        __tracebackhide__ = True
        if is_dunder(name):
            raise AttributeError(name)
        return type(self)._peer.request("getattr", self, name)

    def __setattr__(self, name: str, value: Any) -> None:
        __tracebackhide__ = True
        if name in LOCAL_SLOTS:
            object.__setattr__(self, name, value)
        else:
            type(self)._peer.request("setattr", self, name, value)

    def __delattr__(self, name: str) -> None:
        __tracebackhide__ = True
        type(self)._peer.request("delattr", self, name)

    def __eq__(self, other: object) -> bool:
        return self is other

    def __ne__(self, other: object) -> bool:
        return self is not other

    def __hash__(self) -> int:
        return object.__hash__(self)

    def __bool__(self) -> bool:
        return True

    def __repr__(self) -> str:
        cls = type(self)
        return f"<remote {cls.__module__}.{cls.__qualname__} object #{self._ref}>"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        if spec:
            raise TypeError(f"a remote object has no format {spec!r}")
        return repr(self)

    def __copy__(self) -> RemoteObject:
        return self

    def __deepcopy__(self, memo: dict) -> RemoteObject:
        return self

    def __reduce_ex__(self, protocol: int) -> Any:
        raise TypeError("a handle on a remote object cannot be pickled")


def _forward(name: str):
    """Return a method that performs protocol `name` on the other side."""
    __tracebackhide__ = True
    op = {
        "__call__": "call",
        "__len__": "len",
        "__iter__": "iter",
        "__next__": "next",
        "__getitem__": "getitem",
        "__setitem__": "setitem",
        "__delitem__": "delitem",
        "__contains__": "contains",
        "__enter__": "enter",
        "__exit__": "exit",
    }[name]
    if op == "call":

        def method(self, *args, **kwargs):
            __tracebackhide__ = True
            return type(self)._peer.request("call", self, args, kwargs)

    elif op == "exit":

        def method(self, kind, value, traceback):
            __tracebackhide__ = True
            return type(self)._peer.request("exit", self, kind, value)

    else:

        def method(self, *args):
            __tracebackhide__ = True
            return type(self)._peer.request(op, self, *args)

    method.__name__ = name
    return method


class RemoteMethod:
    """A method of a mirrored class: `handle.name(...)` is one request, not two."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, instance: Any, owner: type) -> Any:
        __tracebackhide__ = True
        if instance is None:
            return owner._peer.request("getattr", owner, self.name)
        return BoundRemoteMethod(instance, self.name)


class BoundRemoteMethod:
    """`handle.name` before it is called."""

    __slots__ = ("handle", "name")

    def __init__(self, handle: Any, name: str) -> None:
        self.handle = handle
        self.name = name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        __tracebackhide__ = True
        return type(self.handle)._peer.request("callmethod", self.handle, self.name, args, kwargs)

    def __repr__(self) -> str:
        return f"<remote method {self.name} of {self.handle!r}>"


class RemoteRecord(RemoteObject):
    """A dataclass instance of the other side, copied by value, with a handle for the rest."""

    __slots__ = ("_values",)
    _fields: tuple[str, ...] = ()
    _frozen = False
    _eq = True

    def __getattr__(self, name: str) -> Any:
        __tracebackhide__ = True
        values = object.__getattribute__(self, "_values")
        if name in values:
            return values[name]
        return RemoteObject.__getattr__(self, name)

    def __setattr__(self, name: str, value: Any) -> None:
        __tracebackhide__ = True
        if name in type(self)._fields:
            RemoteObject.__setattr__(self, name, value)
            self._values[name] = value
        else:
            RemoteObject.__setattr__(self, name, value)

    @property
    def __dict__(self) -> dict[str, Any]:
        """The fields, so `vars(record)` works as on a dataclass instance."""
        return dict(self._values)

    def __eq__(self, other: object) -> bool:
        if not type(self)._eq:
            return self is other
        return type(other) is type(self) and other._values == self._values

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        cls = type(self)
        if cls._eq and not cls._frozen:
            raise TypeError(f"unhashable type: {cls.__qualname__!r}")
        if cls._eq:
            return hash((cls, tuple(self._values.values())))
        return object.__hash__(self)

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in self._values.items())
        return f"{type(self).__qualname__}({fields})"

    __str__ = __repr__


class CandidateTraceback(Exception):
    """The candidate's traceback, chained as the cause so reports show where its code failed."""

    __module__ = "builtins"  # reports print "CandidateTraceback: ...", no harness path

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def _exc_str(self) -> str:
    return self.__dict__.get("_remote_text", "")


def _exc_repr(self) -> str:
    return f"{type(self).__qualname__}({', '.join(map(repr, self.args))})"


def _exc_getattr(self, name: str) -> Any:
    __tracebackhide__ = True
    ref = self.__dict__.get("_ref")
    if is_dunder(name) or ref is None or name.startswith("_remote"):
        raise AttributeError(name)
    return type(self)._peer.request("getattr", self, name)


def _builtin_exception(name: str) -> type | None:
    value = getattr(builtins, name, None)
    if isinstance(value, type) and issubclass(value, BaseException) and name not in DEMOTED:
        return value
    return None


def _exception_bases(bases: list) -> tuple[type, ...]:
    chosen = []
    for base in bases:
        if isinstance(base, type) and issubclass(base, BaseException):
            if base.__module__ == "builtins" and base.__name__ in DEMOTED:
                base = Exception
            chosen.append(base)
    return tuple(dict.fromkeys(chosen)) or (Exception,)


def _make(factory, name: str, bases: tuple, namespace: dict, fallback: tuple) -> type:
    try:
        return factory(name, bases, namespace)
    except TypeError:  # an impossible layout (e.g. two unrelated built-in bases): keep one
        return factory(name, fallback, namespace)


def build_mirror(peer: Any, ref: int, desc: dict, bases: list) -> type:
    """Build the local class standing for the other side's class `ref` (from its descriptor)."""
    name = str(desc.get("name") or "Remote")[:MAX_NAME]
    namespace = {
        "__module__": str(desc.get("module") or "remote")[:MAX_NAME],
        "__qualname__": str(desc.get("qualname") or name)[:MAX_NAME],
        "_peer": peer,
        "_class_ref": ref,
    }
    flavor = desc.get("flavor")
    if flavor == "exception":
        namespace.update(__str__=_exc_str, __repr__=_exc_repr, __getattr__=_exc_getattr)
        chosen = _exception_bases(bases)
        return _make(RemoteType, name, chosen, namespace, chosen[:1])
    if flavor == "enum":
        return _enum_mirror(name, namespace["__module__"], desc)
    if flavor == "namedtuple":
        fields = [f for f in desc.get("fields", []) if plain_name(f) and not f.startswith("_")]
        tuple_name = name if name.isidentifier() else "RemoteTuple"
        return namedtuple(tuple_name, fields, module=namespace["__module__"])
    parents = [b for b in bases if isinstance(b, RemoteType) and issubclass(b, RemoteObject)]
    namespace["__slots__"] = ()
    if flavor == "dataclass":
        fields = tuple(f for f in desc.get("fields", []) if plain_name(f))
        namespace.update(_fields=fields, _frozen=bool(desc.get("frozen")), _eq=bool(desc.get("eq")))
        if not any(issubclass(p, RemoteRecord) for p in parents):
            parents.insert(0, RemoteRecord)
    for method in desc.get("methods", []):
        if plain_name(method):
            namespace[method] = RemoteMethod(method)
    for protocol in desc.get("protocols", []):
        if protocol in PROTOCOLS:
            namespace[protocol] = _forward(protocol)
    chosen = tuple(dict.fromkeys(parents)) or (RemoteObject,)
    return _make(RemoteType, name, chosen, namespace, (chosen[0],))


def _enum_mirror(name: str, module: str, desc: dict) -> type:
    members = [(m, v) for m, v in desc.get("members", []) if plain_name(m) and m[0] != "_"]
    base = {"int": enum.IntEnum, "str": enum.StrEnum}.get(desc.get("enum_base"), enum.Enum)
    try:
        return base(name, members, module=module)
    except (TypeError, ValueError):  # values a plain Enum accepts where IntEnum/StrEnum do not
        return enum.Enum(name, members, module=module)
