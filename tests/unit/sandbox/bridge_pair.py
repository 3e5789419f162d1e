"""Two ends of the bridge in one process, over a socket pair: a tester and a candidate's agent."""

from __future__ import annotations

import itertools
import socket
import sys
import textwrap
import threading
from pathlib import Path

from sandbox.harness.peer import Peer
from sandbox.harness.policy import CandidatePolicy, TesterPolicy

_names = itertools.count()


class Pair:
    """A connected tester and candidate; `load(source)` imports candidate code, remotely."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        left, right = socket.socketpair()
        self.tester = Peer(left, TesterPolicy(), tester=True, max_workers=8)
        self.tester.policy.peer = self.tester
        self.candidate = Peer(right, CandidatePolicy(), tester=False, max_workers=64)
        self.readers = [
            threading.Thread(target=peer.read_loop, daemon=True)
            for peer in (self.tester, self.candidate)
        ]
        for reader in self.readers:
            reader.start()

    def load(self, source: str):
        """Write `source` as a fresh module and return the tester's handle on it."""
        name = self.name = f"bridge_sample_{next(_names)}"
        (self.folder / f"{name}.py").write_text(textwrap.dedent(source))
        if str(self.folder) not in sys.path:
            sys.path.insert(0, str(self.folder))
        return self.tester.request("import", None, name)

    def theirs(self, value):
        """Return the candidate side's own handle on a tester object (as a hostile agent would)."""
        module = sys.modules[self.name]
        module.kept.clear()
        self.tester.request(
            "callmethod", self.tester.request("import", None, self.name), "keep", [value], {}
        )
        return module.kept[0]

    def close(self) -> None:
        for peer in (self.tester, self.candidate):
            peer.close("the test is over")
        for reader in self.readers:
            reader.join(timeout=5)
        for peer in (self.tester, self.candidate):
            peer.sock.close()
