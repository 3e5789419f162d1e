"""What one side has shared with the other (exports) and holds of it (handles and mirrors).

A shared object stays alive in `exports` while the other side holds a handle on it; the other
side sends back how many times it received a reference once its handle is collected.
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import threading
import weakref
from typing import Any

from .mirrors import RemoteObject, build_mirror

MAX_MIRRORS = 5000


class ProtocolError(Exception):
    """The other side broke the protocol (a reference it was never given, a malformed value)."""


class _Keeper:
    """Lives in the __dict__ of an object that takes no weak references, and dies with it."""


class Space:
    """The export table of this side and the handles and mirror classes of the other side."""

    def __init__(self) -> None:
        self.peer: Any = None
        self._lock = threading.Lock()
        self._exports: dict[int, list] = {}
        self._export_ids: dict[int, int] = {}
        self._refs = itertools.count(1)
        self._handles: dict[int, tuple[weakref.ref, list[int]]] = {}
        self._mirrors: dict[int, type] = {}
        self._building: set[int] = set()
        self.mirror_refs: dict[type, int] = {}
        self.described: set[int] = set()
        self._known: weakref.WeakValueDictionary = weakref.WeakValueDictionary()
        self.released: collections.deque = collections.deque()

    # -- this side's objects -------------------------------------------------------------
    def export(self, obj: object) -> tuple[int, bool]:
        """Return (ref, new) for `obj`, counting one more reference sent."""
        with self._lock:
            ref = self._export_ids.get(id(obj))
            if ref is not None and self._exports[ref][0] is obj:
                self._exports[ref][1] += 1
                return ref, False
            ref = next(self._refs)
            self._exports[ref] = [obj, 1]
            self._export_ids[id(obj)] = ref
            return ref, True

    def unexport(self, ref: int, count: int) -> None:
        """Forget `count` references the other side no longer holds."""
        with self._lock:
            entry = self._exports.get(ref)
            if entry is None or not isinstance(count, int) or count <= 0:
                return
            entry[1] -= count
            if entry[1] <= 0:
                del self._exports[ref]
                if self._export_ids.get(id(entry[0])) == ref:
                    del self._export_ids[id(entry[0])]

    def exported(self, ref: object) -> object:
        """Return the object this side shared as `ref`; anything else is a forged reference."""
        with self._lock:
            entry = self._exports.get(ref) if isinstance(ref, int) else None
        if entry is None:
            raise ProtocolError(f"reference {ref!r} was never shared")
        return entry[0]

    @property
    def export_count(self) -> int:
        """Return how many objects are shared right now."""
        return len(self._exports)

    # -- the other side's objects --------------------------------------------------------
    def handle(self, ref: int, cls: type) -> RemoteObject:
        """Return the one live handle on the other side's object `ref`, counting a reception."""
        with self._lock:
            entry = self._handles.get(ref)
            found = entry[0]() if entry else None
            if found is not None and type(found) is cls:
                entry[1][0] += 1
                return found
            proxy = object.__new__(cls)
            object.__setattr__(proxy, "_ref", ref)
            counter = [1]
            self._handles[ref] = (weakref.ref(proxy), counter)
        weakref.finalize(proxy, self._collected, ref, counter)
        return proxy

    def track(self, holder: object, ref: int) -> None:
        """Release one reception of `ref` once `holder` (e.g. a mirrored exception) is collected.

        Built-in exceptions take no weak references: a keeper in their __dict__ dies with them.
        """
        try:
            weakref.finalize(holder, self.released.append, (ref, 1))
        except TypeError:
            keeper = _Keeper()
            holder.__dict__["_remote_keeper"] = keeper
            weakref.finalize(keeper, self.released.append, (ref, 1))

    def _collected(self, ref: int, counter: list[int]) -> None:
        # Runs from garbage collection, at any point: only record it, never send from here.
        with self._lock:
            entry = self._handles.get(ref)
            if entry is not None and entry[1] is counter:
                del self._handles[ref]
        self.released.append((ref, counter[0]))

    def remember(self, ref: int, obj: object) -> None:
        """Remember the local object standing for `ref` while it lives (if it takes weakrefs)."""
        with contextlib.suppress(TypeError):  # a built-in exception: each reception is new
            self._known[ref] = obj

    def recall(self, ref: int, cls: type) -> Any:
        """Return the live local object for `ref` of class `cls`, or None."""
        found = self._known.get(ref)
        return found if type(found) is cls else None

    def mirror(self, ref: int, describe: Any) -> type:
        """Return the local class for the other side's class `ref`, building it on first sight.

        `describe` is a callable returning (descriptor, decoded bases), or None when the message
        carried no descriptor.
        """
        cls = self._mirrors.get(ref)
        if cls is not None:
            return cls
        if describe is None:
            raise ProtocolError(f"class {ref!r} was used before it was described")
        if ref in self._building:
            raise ProtocolError(f"class {ref!r} is its own base")
        if len(self._mirrors) >= MAX_MIRRORS:
            raise ProtocolError("too many classes")
        self._building.add(ref)
        try:
            desc, bases = describe()
            if desc.get("resolved") is not None:
                cls = desc["resolved"]
            else:
                cls = build_mirror(self.peer, ref, desc, bases)
        finally:
            self._building.discard(ref)
        self._mirrors[ref] = cls
        self.mirror_refs.setdefault(cls, ref)
        return cls
