"""Encode values for the other side with msgpack: plain data by value, everything else by handle.

msgpack decodes only data (nil, bool, numbers, strings, bytes, arrays, maps and typed byte
strings), so nothing the other side sends is ever unpickled, unmarshalled or evaluated; the
typed byte strings ("ext" types) below are decoded by this module alone.
"""

from __future__ import annotations

import builtins
import collections
import dataclasses
import datetime as dt
import decimal
import enum
import threading
import uuid
from typing import Any

import msgpack

from .mirrors import CandidateTraceback, RemoteObject, RemoteRecord, RemoteType
from .space import ProtocolError, Space

TUPLE, SET, FROZENSET, BIGINT, DATETIME, DATE, TIME, TIMEDELTA, DECIMAL, UUID = range(1, 11)
ODICT, COUNTER, DEQUE = 12, 13, 14
REF, CLASS, BUILTIN, RECORD, NAMEDTUPLE, ENUM, EXC, RESPONSE = range(20, 28)
MINE, YOURS = 0, 1  # whose object a reference names, from the sender's point of view
MAX_TEXT = 64 * 1024
MAX_INT_BYTES = 64 * 1024
MAX_DECIMAL = 4096
MAX_FRAME = 32 * 1024 * 1024
# Nesting of typed values (tuples in tuples, records in records). Each level recurses through
# msgpack's C code, which does not check the stack: deeper input must fail, not crash.
MAX_DEPTH = 64
NATIVE = (type(None), bool, float, str, bytes, list, dict)


def unpack_options() -> dict[str, Any]:
    """Return msgpack's decoding options: data only, bounded, strings may carry surrogates."""
    return {
        "raw": False,
        "strict_map_key": False,
        "use_list": True,
        "unicode_errors": "surrogatepass",
    }


def _offset(value: dt.datetime | dt.time) -> float | None:
    delta = value.utcoffset()
    return None if delta is None else delta.total_seconds()


def _tz(seconds: object) -> dt.tzinfo | None:
    if seconds is None:
        return None
    return dt.timezone(dt.timedelta(seconds=float(seconds)))


class Packing:
    """The encoding of one message: records what it shared, so a failed send can be undone."""

    def __init__(self, codec: Codec) -> None:
        self.codec = codec
        self.space = codec.space
        self.shared: list[int] = []
        self.described: set[int] = set()
        self._active: set[int] = set()
        self._depth = 0

    def pack(self, value: Any) -> bytes:
        """Return `value` encoded; non-native values go through `default`."""
        return msgpack.packb(
            value,
            default=self.default,
            strict_types=True,
            use_bin_type=True,
            unicode_errors="surrogatepass",
        )

    def undo(self) -> None:
        """Forget what this message shared: it was never sent."""
        for ref in self.shared:
            self.space.unexport(ref, 1)

    def ext(self, code: int, value: Any) -> msgpack.ExtType:
        """Return an ext of `code` holding `value`, encoded recursively."""
        if self._depth >= MAX_DEPTH - 8:  # the other side would refuse it: fail here, clearly
            raise ValueError(f"a value nested over {MAX_DEPTH - 8} levels deep cannot be sent")
        self._depth += 1
        try:
            return msgpack.ExtType(code, self.pack(value))
        finally:
            self._depth -= 1

    def default(self, obj: Any) -> msgpack.ExtType:
        """Encode one value msgpack does not know natively."""
        t = type(obj)
        simple = SIMPLE.get(t)
        if simple is not None:
            code, convert = simple
            return self.ext(code, convert(obj))
        if t is int:
            size = (obj.bit_length() + 8) // 8
            if size > MAX_INT_BYTES:
                raise ValueError("an integer too large to send")
            return self.ext(BIGINT, obj.to_bytes(size, "little", signed=True))
        if t is dt.datetime:
            fields = [obj.year, obj.month, obj.day, obj.hour, obj.minute, obj.second]
            return self.ext(DATETIME, [*fields, obj.microsecond, _offset(obj), obj.fold])
        if t is dt.time:
            fields = [obj.hour, obj.minute, obj.second, obj.microsecond, _offset(obj), obj.fold]
            return self.ext(TIME, fields)
        if t is collections.deque:
            return self.ext(DEQUE, [list(obj), obj.maxlen])
        if t is collections.defaultdict:  # its factory is code: the items travel as a dict
            return dict(obj)
        key = id(obj)
        if key in self._active:  # a cycle: refer to it instead of copying it again
            return self.reference(obj)
        self._active.add(key)
        try:
            return self.codec.encode_object(self, obj)
        finally:
            self._active.discard(key)

    def reference(self, obj: Any) -> msgpack.ExtType:
        """Encode `obj` as a handle: theirs by ref, ours shared through the export table."""
        theirs = self.codec.their_ref(obj)
        if theirs is not None:
            return self.ext(REF, [YOURS, theirs])
        return self.ext(REF, [MINE, self.share(obj), self.klass(type(obj), by_name=False)])

    def share(self, obj: Any) -> int:
        """Put `obj` in the export table (if the policy allows it) and return its ref."""
        self.codec.policy.check_share(obj)
        ref, _ = self.space.export(obj)
        self.shared.append(ref)
        return ref

    def klass(self, cls: type, *, by_name: bool = True) -> msgpack.ExtType:
        """Encode a class: a builtin by name, theirs by ref, ours with a descriptor once.

        The class of a handle is never sent by name: the other side needs a mirror of it
        (a handle on an `object()` is not the other side's `object`).
        """
        theirs = self.space.mirror_refs.get(cls)
        if theirs is not None:
            return self.ext(CLASS, [YOURS, theirs])
        name = getattr(cls, "__name__", None)
        builtin = cls.__module__ == "builtins" and getattr(builtins, name or "", None) is cls
        if by_name and builtin:
            return self.ext(BUILTIN, name)
        ref, _ = self.space.export(cls)
        self.shared.append(ref)
        if ref in self.space.described or ref in self.described:
            return self.ext(CLASS, [MINE, ref, None])
        self.described.add(ref)
        desc, bases = self.codec.policy.describe(cls)
        return self.ext(CLASS, [MINE, ref, desc, [self.klass(b) for b in bases]])


SIMPLE = {
    tuple: (TUPLE, list),
    set: (SET, list),
    frozenset: (FROZENSET, list),
    dt.date: (DATE, lambda d: [d.year, d.month, d.day]),
    dt.timedelta: (TIMEDELTA, lambda d: [d.days, d.seconds, d.microseconds]),
    decimal.Decimal: (DECIMAL, str),
    uuid.UUID: (UUID, lambda u: u.bytes),
    collections.OrderedDict: (ODICT, lambda d: [[k, v] for k, v in d.items()]),
    collections.Counter: (COUNTER, lambda d: [[k, v] for k, v in d.items()]),
}


class Codec:
    """Encode and decode the values of one connection, for one side."""

    def __init__(self, space: Space, policy: Any) -> None:
        self.space = space
        self.policy = policy
        self._local = threading.local()

    def their_ref(self, obj: Any) -> int | None:
        """Return the other side's ref when `obj` stands for one of its objects."""
        if isinstance(obj, RemoteObject):
            return obj._ref
        if isinstance(obj, BaseException):
            return obj.__dict__.get("_ref")
        if isinstance(obj, type):
            return self.space.mirror_refs.get(obj)
        return None

    def encode_object(self, packing: Packing, obj: Any) -> msgpack.ExtType:
        """Encode a value that is not plain data by value."""
        if isinstance(obj, type):
            return packing.klass(obj)
        theirs = self.their_ref(obj)
        if theirs is not None:
            return packing.ext(REF, [YOURS, theirs])
        cls = type(obj)
        mirror_ref = self.space.mirror_refs.get(cls)
        if isinstance(obj, enum.Enum):
            return packing.ext(ENUM, [packing.klass(cls), obj.name])
        if mirror_ref is not None and isinstance(obj, tuple):  # their namedtuple, by value
            return packing.ext(NAMEDTUPLE, [packing.klass(cls), list(obj)])
        if isinstance(obj, BaseException):
            return self.encode_exception(packing, obj)
        if isinstance(obj, tuple) and isinstance(getattr(cls, "_fields", None), tuple):
            return packing.ext(NAMEDTUPLE, [packing.klass(cls), list(obj)])
        if dataclasses.is_dataclass(obj):
            values = [getattr(obj, f.name) for f in dataclasses.fields(obj)]
            return packing.ext(RECORD, [packing.klass(cls), values, packing.share(obj)])
        special = self.policy.encode_special(packing, obj)
        if special is not None:
            return special
        return packing.reference(obj)

    def encode_exception(self, packing: Packing, exc: BaseException) -> msgpack.ExtType:
        """Encode an exception by value: class, args and text, plus a handle for the rest."""
        args, text, trace = self.policy.exception_parts(exc)
        return packing.ext(
            EXC, [packing.klass(type(exc)), list(args), text, packing.share(exc), trace]
        )

    # -- decoding -------------------------------------------------------------------------
    def unpack(self, data: bytes) -> Any:
        """Decode one message; anything malformed raises ProtocolError."""
        try:
            return msgpack.unpackb(data, ext_hook=self.ext_hook, **unpack_options())
        except ProtocolError:
            raise
        except (ValueError, TypeError, KeyError, IndexError, OverflowError, RecursionError) as exc:
            raise ProtocolError(f"malformed value: {type(exc).__name__}: {exc}") from None
        except msgpack.UnpackException as exc:
            raise ProtocolError(f"malformed message: {exc!r}") from None

    def ext_hook(self, code: int, data: bytes) -> Any:
        """Decode one typed value."""
        depth = getattr(self._local, "depth", 0)
        if depth >= MAX_DEPTH:
            raise ProtocolError(f"values nested over {MAX_DEPTH} levels deep")
        self._local.depth = depth + 1
        try:
            value = msgpack.unpackb(data, ext_hook=self.ext_hook, **unpack_options())
        finally:
            self._local.depth = depth
        decode = DECODERS.get(code)
        if decode is not None:
            return decode(value)
        handler = {
            REF: self._ref,
            CLASS: self._class,
            BUILTIN: self._builtin,
            RECORD: self._record,
            NAMEDTUPLE: self._namedtuple,
            ENUM: self._enum,
            EXC: self._exception,
        }.get(code)
        if handler is None:
            special = self.policy.decode_special(code, value)
            if special is None:
                raise ProtocolError(f"unknown value type {code}")
            return special
        return handler(value)

    def _ref(self, value: list) -> Any:
        if value[0] == YOURS:
            return self.space.exported(value[1])
        ref, cls = value[1], value[2]
        if not isinstance(ref, int) or not isinstance(cls, RemoteType):
            raise ProtocolError("a reference without a remote class")
        if not issubclass(cls, RemoteObject):
            raise ProtocolError(f"a plain reference of class {cls!r}")
        # A record met again inside itself (a cycle) is the handle whose fields arrive last.
        return self.space.handle(ref, cls)

    def _class(self, value: list) -> type:
        if value[0] == YOURS:
            cls = self.space.exported(value[1])
            if not isinstance(cls, type):
                raise ProtocolError("a class reference to something else")
            return cls
        ref, desc = value[1], value[2]
        if not isinstance(ref, int):
            raise ProtocolError("a class without a reference")
        if desc is None:
            return self.space.mirror(ref, None)
        if not isinstance(desc, dict):
            raise ProtocolError("a malformed class descriptor")
        bases = value[3] if len(value) > 3 else []
        return self.space.mirror(ref, lambda: (self.policy.resolve(desc), list(bases)))

    def _builtin(self, name: object) -> type:
        value = getattr(builtins, name, None) if isinstance(name, str) else None
        if not isinstance(value, type) or name.startswith("_"):
            raise ProtocolError(f"unknown builtin {name!r}")
        return self.policy.builtin(value)

    def _record(self, value: list) -> Any:
        cls, values, ref = value
        if not (isinstance(cls, RemoteType) and issubclass(cls, RemoteRecord)):
            raise ProtocolError("a record of a class that is not a dataclass")
        if not isinstance(ref, int) or len(values) != len(cls._fields):
            raise ProtocolError("a malformed record")
        record = self.space.handle(ref, cls)
        object.__setattr__(record, "_values", dict(zip(cls._fields, values, strict=True)))
        return record

    def _namedtuple(self, value: list) -> Any:
        cls, values = value
        if not (isinstance(cls, type) and issubclass(cls, tuple) and hasattr(cls, "_make")):
            raise ProtocolError("a named tuple of a class that is not one")
        return cls._make(values)

    def _enum(self, value: list) -> Any:
        cls, name = value
        if not (isinstance(cls, type) and issubclass(cls, enum.Enum)) or not isinstance(name, str):
            raise ProtocolError("an enum member of a class that is not an enum")
        try:
            return cls[name]
        except KeyError:
            raise ProtocolError(f"{cls.__qualname__} has no member {name!r}") from None

    def _exception(self, value: list) -> BaseException:
        cls, args, text, ref, trace = value
        if not (isinstance(cls, type) and issubclass(cls, BaseException)):
            raise ProtocolError("an exception of a class that is not an exception")
        if not isinstance(text, str) or len(text) > MAX_TEXT:
            raise ProtocolError("an exception with a malformed message")
        args = tuple(args)
        if not isinstance(ref, int):
            raise ProtocolError("an exception without its reference")
        known = self.space.recall(ref, cls)
        if known is not None:  # the same object as before: `info.value is err` holds
            self.space.released.append((ref, 1))
            return known
        if isinstance(cls, RemoteType):
            exc = cls.__new__(cls)  # the base's own __new__ (OSError's lays out its fields)
            exc.args = args
            exc._remote_text = text
        else:
            exc = self.policy.local_exception(cls, args)
        # Sent back, it is the other side's very object again (`info.value is err` holds).
        exc._ref = ref
        self.space.track(exc, ref)
        self.space.remember(ref, exc)
        if isinstance(trace, str) and trace:
            exc.__cause__ = CandidateTraceback(trace[:MAX_TEXT])
        return exc


def _bigint(data: bytes) -> int:
    if not isinstance(data, bytes) or len(data) > MAX_INT_BYTES:
        raise ProtocolError("a malformed integer")
    return int.from_bytes(data, "little", signed=True)


def _decimal(text: str) -> decimal.Decimal:
    if not isinstance(text, str) or len(text) > MAX_DECIMAL:
        raise ProtocolError("a malformed decimal")
    return decimal.Decimal(text)


def _deque(value: list) -> collections.deque:
    items, maxlen = value
    return collections.deque(items, maxlen)


DECODERS = {
    TUPLE: tuple,
    SET: set,
    FROZENSET: frozenset,
    BIGINT: _bigint,
    DATETIME: lambda v: dt.datetime(*v[:7], tzinfo=_tz(v[7]), fold=v[8]),
    DATE: lambda v: dt.date(*v),
    TIME: lambda v: dt.time(*v[:4], tzinfo=_tz(v[4]), fold=v[5]),
    TIMEDELTA: lambda v: dt.timedelta(days=v[0], seconds=v[1], microseconds=v[2]),
    DECIMAL: _decimal,
    UUID: lambda v: uuid.UUID(bytes=v),
    ODICT: collections.OrderedDict,
    COUNTER: lambda v: collections.Counter(dict(v)),
    DEQUE: _deque,
}
