"""Helpers for test authors: reach the candidate's process explicitly where a test must.

from sandbox_harness import remote

hmac_there = remote.import_module("hmac")   # the candidate's own hmac module
remote.text(obj)                             # str(obj), computed in the candidate's process
"""

from __future__ import annotations

from typing import Any

from .bridge import RemoteModule, attach, current, remote_of
from .mirrors import RemoteObject
from .peer import PeerLost

__all__ = ["CandidateLost", "import_module", "is_remote", "text"]

CandidateLost = PeerLost


def import_module(name: str) -> RemoteModule:
    """Import module `name` in the candidate's process and return it, as a remote module."""
    return attach(RemoteModule(name), current().request("import", None, name))


def text(obj: Any) -> str:
    """Return `str(obj)` as the candidate's process computes it (plain data comes back as is)."""
    if isinstance(obj, RemoteModule):
        obj = remote_of(obj)
    return current().request("str", obj) if is_remote(obj) else str(obj)


def is_remote(obj: Any) -> bool:
    """Tell whether `obj` lives in the candidate's process (a handle or a remote module)."""
    return isinstance(obj, RemoteObject | RemoteModule) or (
        isinstance(obj, BaseException) and "_ref" in obj.__dict__
    )
