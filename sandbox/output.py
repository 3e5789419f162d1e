"""Collect a run's stdout and stderr under a hard cap, and notice when the record has arrived."""

from __future__ import annotations

import threading

from .harness.frame import END

# Room for the supervisor's own record on top of the candidate's output allowance: it carries
# up to 4 KB of message per test, and must not be what pushes a run over the cap.
RECORD_ALLOWANCE = 4 * 1024 * 1024


class OutputCollector:
    """Accumulate output until the cap; `done` is set at end of stream, overflow or record end."""

    def __init__(self, output_kb: int = 64, nonce: str | None = None) -> None:
        self.stdout = bytearray()
        self.stderr = bytearray()
        self.exceeded = False
        self.record_seen = False
        self.eof = False
        self.done = threading.Event()
        self._lock = threading.Lock()
        self.arm(output_kb, nonce)

    def arm(self, output_kb: int, nonce: str | None) -> None:
        """Set the run's cap and nonce (a pooled container gets them when its job arrives)."""
        with self._lock:
            # The candidate's own container prints no record (nonce None): no allowance.
            self.cap = output_kb * 1024 + (RECORD_ALLOWANCE if nonce else 0)
            self._trailer = b"\n%s %s\n" % (END, nonce.encode()) if nonce else None

    @property
    def total(self) -> int:
        """Return how many bytes were kept."""
        return len(self.stdout) + len(self.stderr)

    def feed(self, stream: int, data: bytes) -> bool:
        """Keep `data` from stream 1 (stdout) or 2 (stderr); return False once over the cap."""
        with self._lock:
            if self.exceeded:
                return False
            room = self.cap - self.total
            target = self.stderr if stream == 2 else self.stdout
            target.extend(data[: max(room, 0)])
            if len(data) > room:
                self.exceeded = True
                self.done.set()
                return False
            if stream != 2 and self._trailer and not self.record_seen:
                window = self.stdout[-(len(data) + len(self._trailer)) :]
                if self._trailer in window:
                    self.record_seen = True
                    self.done.set()
            return True

    def close(self) -> None:
        """Note the end of the stream."""
        self.eof = True
        self.done.set()
