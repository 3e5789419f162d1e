"""The orders in memory (see statement.md): validation, idempotency keys, cursor pages."""

import threading


class OrderStore:
    """Orders by id, and the order each idempotency key created."""

    def __init__(self):
        # ThreadingHTTPServer runs each request on its own thread: every read-check-write of
        # shared state must hold this lock.
        self._lock = threading.Lock()
