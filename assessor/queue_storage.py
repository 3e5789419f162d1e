"""The embedded SQLite queue, woken by a doorbell instead of polled.

Huey's SqliteStorage cannot block, so its consumer polls (it used to, up to every 0.5 s: half
a second on every candidate's "Run tests"). Here `enqueue` rings a doorbell in a folder next to
the queue file after its commit, and `dequeue`, finding the queue empty, waits on that doorbell
for up to `read_timeout` seconds. Each consumer thread has its own FIFO, so any number of
threads and worker processes on the host wake at once. A ring missed for any reason loses
nothing: the task is in SQLite, and the wait times out. Where no FIFO can be made, the thread
polls every `poll_interval` seconds, as before.
"""

from __future__ import annotations

import logging
import threading
import time

from huey import SqliteHuey
from huey.storage import SqliteStorage

from assessor.doorbell import Doorbell, Listener

log = logging.getLogger(__name__)

TOPIC = "jobs"
RETRY_LISTEN_S = 30.0  # after a FIFO could not be made: the folder may become writable


def doorbell_folder(filename: str) -> str:
    """Return the folder of the wake-up FIFOs for a queue file (next to it)."""
    return f"{filename}.wake"


class DoorbellSqliteStorage(SqliteStorage):
    """SqliteStorage whose dequeue waits for a ring rather than being polled."""

    def __init__(self, *args, read_timeout: float = 1.0, poll_interval: float = 0.25, **kwargs):
        super().__init__(*args, **kwargs)
        # Huey's worker loop sleeps between empty dequeues only for storages that do not block.
        self.blocking = True
        self.read_timeout = read_timeout
        self.poll_interval = poll_interval
        self.doorbell = Doorbell(doorbell_folder(self.filename))
        self._local = threading.local()

    def enqueue(self, data, priority=None):
        super().enqueue(data, priority)
        self.doorbell.ring(TOPIC)

    def dequeue(self):
        listener = self._listener()
        if listener is not None:
            listener.clear()  # rings up to now announce what this look will find
        data = super().dequeue()
        if data is not None:
            return data
        if listener is None:
            time.sleep(self.poll_interval)
            return super().dequeue()
        if listener.wait(self.read_timeout):
            return super().dequeue()
        if not listener.intact():
            # Its FIFO was removed (a tidy-up of the folder): ringers no longer find it.
            listener.close()
            self._local.listener = None
        return None

    def _listener(self) -> Listener | None:
        """Return this thread's listener, making it on first use (None: poll instead)."""
        local = self._local
        listener = getattr(local, "listener", None)
        if listener is not None:
            return listener
        if time.monotonic() < getattr(local, "retry_at", 0.0):
            return None
        try:
            listener = local.listener = self.doorbell.listen(TOPIC)
        except OSError as exc:
            local.retry_at = time.monotonic() + RETRY_LISTEN_S
            log.warning(
                "queue wake-ups unavailable in %s (%s); polling every %s s",
                self.doorbell.folder,
                exc,
                self.poll_interval,
            )
            return None
        return listener


class DoorbellSqliteHuey(SqliteHuey):
    """SqliteHuey with a consumer that wakes the moment a task is queued."""

    storage_class = DoorbellSqliteStorage
