"""The tester's side of the boundary: the candidate's modules become proxies of their container.

`import limiter` in a test returns a RemoteModule whose attributes are fetched from the
candidate's container; classes become mirrors, objects handles, plain data arrives by value.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import socket
import sys
import threading
import time
import types
from typing import Any

from .agent import address
from .mirrors import is_dunder
from .peer import Peer, PeerLost
from .policy import TesterPolicy

MAX_WORKERS = 32
_current: Peer | None = None
_failure = "the tests are not connected to the candidate's code"


def current() -> Peer:
    """Return the connection to the candidate's process."""
    if _current is None:
        raise PeerLost(_failure)
    return _current


_MODULE_DICT = types.ModuleType.__dict__["__dict__"]


def remote_of(module: types.ModuleType) -> Any:
    """Return the handle on the candidate's module behind a RemoteModule."""
    return _MODULE_DICT.__get__(module, type(module))["__remote__"]


class RemoteModule(types.ModuleType):
    """A module of the candidate: attribute reads and writes happen in its container."""

    def __getattr__(self, name: str) -> Any:
        __tracebackhide__ = True
        if is_dunder(name):
            raise AttributeError(name)
        return current().request("getattr", remote_of(self), name)

    def __setattr__(self, name: str, value: Any) -> None:
        if is_dunder(name):
            super().__setattr__(name, value)
        else:
            current().request("setattr", remote_of(self), name, value)

    def __delattr__(self, name: str) -> None:
        if is_dunder(name):
            super().__delattr__(name)
        else:
            current().request("delattr", remote_of(self), name)

    def __dir__(self) -> list[str]:
        return current().request("dir", remote_of(self))

    @property
    def __dict__(self) -> dict[str, Any]:
        """A snapshot of the candidate's module namespace (`vars(module)`, monkeypatch's undo)."""
        return current().request("vars", remote_of(self))

    def __repr__(self) -> str:
        return f"<remote module {self.__name__!r}>"


class CandidateModules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Resolve the candidate's top-level module names (and their submodules) to RemoteModules."""

    def __init__(self, names: set[str]) -> None:
        self.names = set(names)
        self.failures: dict[str, BaseException] = {}

    def install(self) -> None:
        """Put the finder first, ahead of pytest's assertion rewriter and the path finders."""
        if self in sys.meta_path:
            sys.meta_path.remove(self)
        sys.meta_path.insert(0, self)

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        """Claim every module under a name the candidate's files define."""
        if fullname.partition(".")[0] not in self.names:
            return None
        return importlib.machinery.ModuleSpec(fullname, self, is_package=True)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> RemoteModule:
        """Create the local stand-in."""
        return RemoteModule(spec.name)

    def exec_module(self, module: types.ModuleType) -> None:
        """Import the module in the candidate's process (running its top-level code there)."""
        __tracebackhide__ = True  # reports show the candidate's code, not the bridge
        try:
            attach(module, current().request("import", None, module.__name__))
        except BaseException as exc:
            self.failures.setdefault(module.__name__, exc)
            raise


def attach(module: types.ModuleType, handle: Any) -> types.ModuleType:
    """Make `module` stand for the candidate's module `handle`."""
    _MODULE_DICT.__get__(module, type(module))["__remote__"] = handle
    return module


def connect(name: str, timeout_s: float) -> Peer:
    """Connect to the candidate's agent (waiting for it to listen) and start reading replies."""
    global _current, _failure
    deadline = time.monotonic() + timeout_s
    while True:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(address(name))
            break
        except OSError as exc:
            sock.close()
            if time.monotonic() > deadline:
                _failure = f"the candidate's process never started listening: {exc}"
                raise PeerLost(_failure) from None
            time.sleep(0.005)
    peer = Peer(sock, TesterPolicy(), tester=True, max_workers=MAX_WORKERS)
    peer.policy.peer = peer
    threading.Thread(target=peer.read_loop, name="candidate-reader", daemon=True).start()
    _current = peer
    return peer
