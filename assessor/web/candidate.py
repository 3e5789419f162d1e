"""The candidate's pages and JSON API, reached with the invitation token instead of a login."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for

from assessor import changes
from assessor.extensions import limiter
from assessor.models import AttemptStatus, utcnow
from assessor.services import DomainError, attempts, finalization, run_watch, status, telemetry
from assessor.services.invitations import attempt_for_token, hash_token, record_opened
from assessor.services.submissions import RUNS_PER_MINUTE
from assessor.web import waits
from assessor.web.rendering import render_markdown
from assessor.wording import megabytes, plural

MAX_PREVIEW_CHARS = 200_000

bp = Blueprint("candidate", __name__, url_prefix="/a/<token>")
# "1 minute", "2 minutes": for every template (the same rule as static/src/ui.js).
bp.add_app_template_filter(plural, "plural")


def candidate_route(view: Callable) -> Callable:
    """Mark a view as reached with an invitation token rather than a staff login."""
    view.candidate_endpoint = True
    return view


def _token_key() -> str:
    # Per-invitation limits: candidates behind one office NAT must not throttle each other.
    return "invitation:" + hash_token((request.view_args or {}).get("token", ""))


# Only misses count: a scanner trying tokens from one address is stopped after a few tries,
# while a candidate's own autosaves and polls never use up this budget.
_guess_limit = limiter.shared_limit(
    "20 per minute",
    scope="candidate-token-miss",
    deduct_when=lambda response: response.status_code == 404,
    error_message="Too many invalid links from your address; wait a minute and try again.",
)


def _per_token(limit: str) -> Callable:
    return limiter.limit(
        limit,
        key_func=_token_key,
        error_message="Too many requests; wait a few seconds and try again.",
    )


def _body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise DomainError("The request must be a JSON object.")
    return data


def _is_api() -> bool:
    return "/api/" in request.path


@bp.errorhandler(DomainError)
def _domain_error(exc: DomainError):
    if _is_api():
        body = {"error": str(exc), "status": exc.status, "code": type(exc).__name__}
        if isinstance(exc, attempts.DraftConflict):
            body["current_revision"] = exc.current_revision
        if isinstance(getattr(exc, "problems", None), list):
            body["problems"] = exc.problems
        return jsonify(body), exc.status
    return render_template("candidate/message.html", status=exc.status, message=str(exc)), (
        exc.status
    )


@bp.errorhandler(413)
def _too_large(exc):
    # Werkzeug's "exceeds the capacity limit" says nothing a candidate can act on.
    size = request.content_length or 0
    message = (
        f"Not sent: this is {megabytes(size)}, and the server accepts at most "
        f"{megabytes(current_app.config['MAX_CONTENT_LENGTH'])} at once. A file may hold "
        f"{attempts.MAX_FILE_BYTES // 1024} KB and a challenge's files "
        f"{attempts.MAX_DRAFT_BYTES // 1024} KB together: remove what made it this large."
    )
    if _is_api():
        return jsonify(error=message, status=413, code="TooLarge"), 413
    return render_template("candidate/message.html", status=413, message=message), 413


@bp.errorhandler(429)
def _too_many(exc):
    if _is_api():
        return jsonify(error=exc.description, status=429, code="TooManyRequests"), 429
    return render_template("candidate/message.html", status=429, message=exc.description), 429


@bp.after_request
def _no_store(response):
    # The pages carry the token and the candidate's code: no shared cache or back button keeps them.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


# --- Pages -----------------------------------------------------------------------------------


@bp.get("")
@candidate_route
@_guess_limit
def landing(token: str):
    record_opened(attempt_for_token(token).id)
    info = attempts.landing(attempt_for_token(token).id)
    if info.status == AttemptStatus.STARTED:
        return redirect(url_for(".workspace", token=token))
    if info.status == AttemptStatus.SUBMITTED:
        return redirect(url_for(".closing", token=token))
    return render_template(
        "candidate/landing.html",
        info=info,
        description=render_markdown(info.description) if info.description else "",
        token=token,
        runs_per_minute=RUNS_PER_MINUTE,
    ), (410 if info.lapsed else 200)


@bp.post("/start")
@candidate_route
@_guess_limit
def start(token: str):
    attempts.start(attempt_for_token(token).id)
    return redirect(url_for(".workspace", token=token), 303)


@bp.get("/work")
@candidate_route
@_guess_limit
def workspace(token: str):
    attempt = attempts.settle(attempt_for_token(token).id)
    if attempt.status is AttemptStatus.SUBMITTED:
        return redirect(url_for(".closing", token=token))
    if attempt.status is not AttemptStatus.STARTED:
        return redirect(url_for(".landing", token=token))
    ws = attempts.workspace(attempt.id)
    statements = {item.id: render_markdown(item.statement) for item in ws.items}
    return render_template("candidate/workspace.html", ws=ws, statements=statements, token=token)


@bp.get("/done")
@candidate_route
@_guess_limit
def closing(token: str):
    attempt = attempts.settle(attempt_for_token(token).id)
    if attempt.status is not AttemptStatus.SUBMITTED:
        return redirect(url_for(".landing", token=token))
    state = status.attempt_status(attempt, for_candidate=True)
    return render_template("candidate/closing.html", attempt=attempt, state=state, token=token)


# --- JSON API --------------------------------------------------------------------------------


@bp.get("/api/workspace")
@candidate_route
@_guess_limit
@_per_token("30 per minute")
def api_workspace(token: str):
    ws = attempts.workspace(attempt_for_token(token).id)
    return jsonify(
        attempt_id=ws.attempt_id,
        deadline_at=ws.deadline_at.isoformat(),
        # The browser checks a save against these before sending it (static/src/limits.js).
        limits={
            "file_bytes": attempts.MAX_FILE_BYTES,
            "total_bytes": attempts.MAX_DRAFT_BYTES,
            "request_bytes": current_app.config["MAX_CONTENT_LENGTH"],
        },
        items=[
            {
                "id": i.id,
                "title": i.title,
                "kind": i.kind,
                "label": i.label,
                "editor": i.editor,
                "runnable": i.runnable,
                "revision": i.revision,
                "submitted": i.submitted,
                "last_run_id": i.last_run_id,
                "files": [vars(f) for f in i.files],
            }
            for i in ws.items
        ],
    )


@bp.post("/api/items/<int:item_id>/draft")
@candidate_route
@_guess_limit
@_per_token("120 per minute")
def api_save(token: str, item_id: int):
    body = _body()
    saved = attempts.save_draft(
        attempt_for_token(token).id, item_id, body.get("files"), body.get("revision")
    )
    return jsonify(
        revision=saved.revision, changed=saved.changed, saved_at=saved.saved_at.isoformat()
    )


@bp.post("/api/items/<int:item_id>/runs")
@candidate_route
@_guess_limit
@_per_token("30 per minute")
def api_run(token: str, item_id: int):
    run = attempts.run_tests(attempt_for_token(token).id, item_id, _body().get("files"))
    return jsonify(status.submission_status(run, for_candidate=True)), 202


@bp.get("/api/runs/<int:run_id>")
@candidate_route
@_guess_limit
@_per_token("300 per minute")
def api_run_status(token: str, run_id: int):
    """Answer a run's state; with ?wait=s&since=status, once it is no longer `since` (long-poll).

    A long-poll answers the moment the worker announces the run's change, else after `wait`
    seconds (at most LONG_POLL_SECONDS) with the state unchanged. When this process already
    holds LONG_POLL_MAX waiting requests, it answers at once, with `retry_after` seconds.
    """
    attempt_id = attempt_for_token(token).id
    wait_s = waits.requested_wait()
    if not wait_s:
        run = attempts.run_of(attempt_id, run_id)
        return jsonify(status.submission_status(run, for_candidate=True))
    since = request.args.get("since") or None
    with waits.holding() as held:
        if not held:
            data = run_watch.run_status(attempt_id, run_id)
            return jsonify({**data, "retry_after": waits.RETRY_AFTER_S})
        subscription = changes.feed().subscribe(run_id)
        try:
            data = run_watch.wait_for_run(
                attempt_id, run_id, since=since, wait_s=wait_s, subscription=subscription
            )
        finally:
            subscription.close()
    return jsonify(data)


@bp.post("/api/items/<int:item_id>/submit")
@candidate_route
@_guess_limit
@_per_token("30 per minute")
def api_submit_item(token: str, item_id: int):
    final = finalization.submit_item(attempt_for_token(token).id, item_id)
    return jsonify(item_id=item_id, final=status.submission_status(final, for_candidate=True))


@bp.post("/api/submit")
@candidate_route
@_guess_limit
@_per_token("30 per minute")
def api_submit(token: str):
    finalization.finish_attempt(attempt_for_token(token).id, reason="candidate")
    return jsonify(redirect=url_for(".closing", token=token))


@bp.post("/api/events")
@candidate_route
@_guess_limit
@_per_token("120 per minute")
def api_event(token: str):
    body = _body()
    item_id = body.get("item_id")
    if item_id is not None and (isinstance(item_id, bool) or not isinstance(item_id, int)):
        raise telemetry.EventRejected("item_id must be a whole number")
    attempt_id = attempt_for_token(token).id
    kind = str(body.get("kind", ""))
    recorded = telemetry.record_event(attempt_id, kind, item_id=item_id, data=body.get("data"))
    return jsonify(recorded=recorded)


@bp.get("/api/time")
@candidate_route
@_guess_limit
@_per_token("60 per minute")
def api_time(token: str):
    attempt = attempts.settle(attempt_for_token(token).id)
    return jsonify(
        server_now=utcnow().isoformat(),
        deadline_at=attempt.deadline_at.isoformat() if attempt.deadline_at else None,
        status=attempt.status.value,
        closing_url=url_for(".closing", token=token),
    )


@bp.get("/api/status")
@candidate_route
@_guess_limit
@_per_token("120 per minute")
def api_status(token: str):
    attempt = attempts.settle(attempt_for_token(token).id)
    return jsonify(status.attempt_status(attempt, for_candidate=True))


@bp.post("/api/preview")
@candidate_route
@_guess_limit
@_per_token("60 per minute")
def api_preview(token: str):
    attempt_for_token(token)
    text = _body().get("markdown")
    if not isinstance(text, str) or len(text) > MAX_PREVIEW_CHARS:
        raise DomainError(f"A preview takes Markdown text of up to {MAX_PREVIEW_CHARS} characters.")
    return jsonify(html=render_markdown(text))
