"""Domain signals: services announce what happened; the queue layer listens."""

from blinker import Namespace

_signals = Namespace()

# Sent after a submission row is committed with status=queued; receivers enqueue grading.
# A receiver that fails loses nothing: the reaper re-enqueues rows left waiting.
submission_queued = _signals.signal("submission-queued")
# Sent after an attempt starts, with its deadline; receivers schedule its finalization.
attempt_started = _signals.signal("attempt-started")
# Sent after a library sync request is recorded; receivers hand it to a worker.
library_sync_requested = _signals.signal("library-sync-requested")
