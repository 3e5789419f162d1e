"""Staff JSON API: grading state of submissions and attempts, polled or streamed (SSE)."""

from __future__ import annotations

import json
import time

from flask import Blueprint, Response, current_app, jsonify, stream_with_context
from flask_login import current_user

from assessor.extensions import db
from assessor.models import Attempt
from assessor.services.access import visible_assessment, visible_attempt, visible_submission
from assessor.services.permissions import Permission
from assessor.services.progress import assessment_progress
from assessor.services.status import attempt_status, submission_status
from assessor.web.access import staff_required

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
    rows = assessment_progress(visible_assessment(current_user, assessment_id).id)
    return jsonify(
        attempts=[row.to_dict() for row in rows], pending=any(r.grading_pending for r in rows)
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
            db.session.expire_all()
            data = json.dumps(
                attempt_status(db.session.get(Attempt, attempt_id), for_candidate=False)
            )
            db.session.rollback()  # no transaction held open between polls
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
