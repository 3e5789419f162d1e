"""Staff JSON API: grading state of submissions and attempts, polled or streamed (SSE)."""

from __future__ import annotations

import json
import time

from flask import Blueprint, Response, current_app, jsonify, stream_with_context
from flask_login import current_user

from assessor.services.access import visible_assessment, visible_attempt, visible_submission
from assessor.services.audience import audience_for
from assessor.services.dashboard import dashboard
from assessor.services.labels import label_map
from assessor.services.permissions import Permission
from assessor.services.status import attempt_status, fresh_attempt_status, submission_status
from assessor.web.access import staff_required
from assessor.web.rows import with_links

bp = Blueprint("api", __name__, url_prefix="/api")

STREAM_SECONDS = 300  # then the browser's EventSource reconnects by itself
STREAM_INTERVAL = 1.0


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
    """Stream the attempt's state as server-sent events whenever it changes."""
    visible_attempt(current_user, attempt_id)
    limit = current_app.config.get("STATUS_STREAM_SECONDS", STREAM_SECONDS)

    def events():
        last = None
        started = time.monotonic()
        while time.monotonic() - started < limit:
            data = json.dumps(fresh_attempt_status(attempt_id))
            if data != last:
                last = data
                yield f"event: status\ndata: {data}\n\n"
                if json.loads(data)["grading_done"]:
                    yield "event: done\ndata: {}\n\n"
                    return
            else:
                yield ": keep-alive\n\n"
            time.sleep(STREAM_INTERVAL)

    return Response(
        stream_with_context(events()),
        mimetype="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
