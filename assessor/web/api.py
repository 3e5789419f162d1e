"""Staff JSON API: grading state of submissions and attempts, polled or streamed (SSE)."""

from __future__ import annotations

import json
import time

from flask import Blueprint, Response, current_app, jsonify, stream_with_context
from flask_login import current_user

from assessor import changes
from assessor.services import run_watch
from assessor.services.access import visible_assessment, visible_attempt, visible_submission
from assessor.services.audience import audience_for
from assessor.services.dashboard import dashboard
from assessor.services.labels import label_map
from assessor.services.permissions import Permission
from assessor.services.status import attempt_status, fresh_attempt_status, submission_status
from assessor.web import waits
from assessor.web.access import staff_required
from assessor.web.rows import with_links

bp = Blueprint("api", __name__, url_prefix="/api")

STREAM_RETRY_MS = 1000  # after a stream ends, the browser's EventSource reconnects this soon
BUSY_RETRY_MS = 5000  # ... and this late when no place was free to hold it
STREAM_MIN_GAP_S = 0.5  # between two reads of the attempt
STREAM_DEAF_LOOK_S = 1.0  # between reads when change notices cannot arrive


@bp.get("/submissions/<int:submission_id>")
@staff_required(Permission.VIEW_ASSESSMENT)
def submission(submission_id: int):
    row = visible_submission(current_user, submission_id)
    return jsonify(submission_status(row, for_candidate=False))


@bp.get("/attempts/<int:attempt_id>")
@staff_required(Permission.VIEW_ASSESSMENT)
def attempt(attempt_id: int):
    return jsonify(attempt_status(visible_attempt(current_user, attempt_id), for_candidate=False))


@bp.get("/assessments/<int:assessment_id>/progress")
@staff_required(Permission.VIEW_ASSESSMENT)
def progress(assessment_id: int):
    """Send the dashboard's rows, histogram and labels: the page's words and figures, live."""
    found = visible_assessment(current_user, assessment_id)
    board = dashboard(found.id, audience_for(current_user, found))
    return jsonify(
        attempts=with_links(board.rows),
        pending=board.pending,
        histogram=board.histogram,
        labels=label_map(),
    )


@bp.get("/attempts/<int:attempt_id>/stream")
@staff_required(Permission.VIEW_ASSESSMENT)
def attempt_stream(attempt_id: int):
    """Stream the attempt's state as server-sent events whenever it changes, for a short while.

    A stream holds a server thread, so it is bounded like a long-poll: it ends after
    LONG_POLL_SECONDS (the browser's EventSource reconnects by itself, after `retry`), and it
    takes one of the process's LONG_POLL_MAX places. With no place free, the state is sent once
    and the stream ends at once, asking the browser to come back later.
    """
    visible_attempt(current_user, attempt_id)
    limit = current_app.config["LONG_POLL_SECONDS"]
    places = waits.held()
    held = places.take()
    subscription = changes.feed().subscribe(changes.ANY) if held else None

    def events():
        deadline = time.monotonic() + limit
        yield f"retry: {STREAM_RETRY_MS if held else BUSY_RETRY_MS}\n\n"
        last = None
        while True:
            looked = time.monotonic()
            data = fresh_attempt_status(attempt_id)
            text = json.dumps(data)
            if text != last:
                last = text
                yield f"event: status\ndata: {text}\n\n"
                if data["grading_done"]:
                    yield "event: done\ndata: {}\n\n"
                    return
            else:
                yield ": keep-alive\n\n"  # a browser gone away shows as a failed write
            remaining = deadline - time.monotonic()
            if subscription is None or remaining <= 0:
                return
            look = run_watch.CHECK_S if subscription.live else STREAM_DEAF_LOOK_S
            subscription.wait(min(look, remaining))
            # Notices of every submission wake the stream: read this attempt at most so often.
            time.sleep(max(0.0, looked + STREAM_MIN_GAP_S - time.monotonic()))

    def release() -> None:
        if subscription is not None:
            subscription.close()
        if held:
            places.give_back()

    response = Response(
        stream_with_context(events()),
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
    response.call_on_close(release)
    return response
