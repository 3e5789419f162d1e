"""The candidate's pages and JSON API: the invitation link opens them, a session grant keeps them.

The token travels in one request only, GET /a/<token>: it is exchanged for a grant in the signed
session cookie, and every other URL (/c/<attempt id>/...) carries no secret, so access logs,
browser history and Referer headers never hold it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, url_for
from flask_limiter.util import get_remote_address

from assessor import changes
from assessor.extensions import limiter
from assessor.models import AttemptStatus, utcnow
from assessor.services import DomainError, attempts, finalization, run_watch, status, telemetry
from assessor.services.invitations import InvalidToken, attempt_for_token, record_opened
from assessor.services.submissions import RUNS_PER_MINUTE
from assessor.web import grants, rendering, waits
from assessor.web.rendering import render_markdown
from assessor.wording import megabytes, plural

MAX_PREVIEW_CHARS = rendering.MAX_MARKDOWN_CHARS  # the renderer's cap: CPU per preview is bounded

bp = Blueprint("candidate", __name__)
LINK = "/a/<token>"  # the invitation link: the only URL that holds the token
PAGES = "/c/<int:attempt_id>"  # everything else, opened with the session's grant
# "1 minute", "2 minutes": for every template (the same rule as static/src/ui.js).
bp.add_app_template_filter(plural, "plural")


def candidate_route(view: Callable) -> Callable:
    """Mark a view as reached with an invitation link or its grant rather than a staff login."""
    view.candidate_endpoint = True
    return view


def _attempt_key() -> str:
    # Per attempt for the browser holding its grant: candidates behind one office NAT or proxy
    # never throttle each other, and a stranger's requests never use up a candidate's budget.
    attempt_id = (request.view_args or {}).get("attempt_id")
    if grants.proof_for(attempt_id):
        return f"attempt:{attempt_id}"
    return "address:" + get_remote_address()


def _holds_this_link() -> bool:
    # A browser already holding this link's grant is its candidate: misses from the same
    # (shared) address must not lock them out of their own link.
    try:
        return grants.holds(attempt_for_token((request.view_args or {}).get("token", "")))
    except InvalidToken:
        return False


# Stops a scanner trying tokens: only misses count, and only the link itself is limited, so a
# flood of bad links from a shared address never blocks a candidate's saves, runs or submits.
_guess_limit = limiter.shared_limit(
    "20 per minute",
    scope="candidate-token-miss",
    deduct_when=lambda response: response.status_code == 404,
    exempt_when=_holds_this_link,
    error_message="Too many invalid links from your address; wait a minute and try again.",
)


def _per_attempt(limit: str) -> Callable:
    return limiter.limit(
        limit,
        key_func=_attempt_key,
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
    # The pages carry the candidate's code: no shared cache or back button keeps them.
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


# --- The invitation link ----------------------------------------------------------------------


@bp.get(LINK)
@bp.get(f"{LINK}/<path:rest>")  # links copied with a page's path before URLs lost the token
@candidate_route
@_guess_limit
def enter(token: str, rest: str = ""):
    """Exchange the invitation link for this browser's grant, then leave the token behind."""
    attempt = attempt_for_token(token)
    record_opened(attempt.id)
    grants.remember(attempt)
    return redirect(url_for(".landing", attempt_id=attempt.id), 303)


# --- Pages -----------------------------------------------------------------------------------


@bp.get(PAGES)
@candidate_route
def landing(attempt_id: int):
    info = attempts.landing(grants.granted(attempt_id).id)
    if info.status == AttemptStatus.STARTED:
        return redirect(url_for(".workspace", attempt_id=attempt_id))
    if info.status == AttemptStatus.SUBMITTED:
        return redirect(url_for(".closing", attempt_id=attempt_id))
    return render_template(
        "candidate/landing.html",
        info=info,
        description=render_markdown(info.description) if info.description else "",
        attempt_id=attempt_id,
        runs_per_minute=RUNS_PER_MINUTE,
    ), (410 if info.lapsed else 200)


@bp.post(f"{PAGES}/start")
@candidate_route
def start(attempt_id: int):
    attempts.start(grants.granted(attempt_id).id)
    return redirect(url_for(".workspace", attempt_id=attempt_id), 303)


@bp.get(f"{PAGES}/work")
@candidate_route
def workspace(attempt_id: int):
    attempt = attempts.settle(grants.granted(attempt_id).id)
    if attempt.status is AttemptStatus.SUBMITTED:
        return redirect(url_for(".closing", attempt_id=attempt_id))
    if attempt.status is not AttemptStatus.STARTED:
        return redirect(url_for(".landing", attempt_id=attempt_id))
    ws = attempts.workspace(attempt.id)
    statements = {item.id: render_markdown(item.statement) for item in ws.items}
    return render_template(
        "candidate/workspace.html", ws=ws, statements=statements, attempt_id=attempt_id
    )


@bp.get(f"{PAGES}/done")
@candidate_route
def closing(attempt_id: int):
    attempt = attempts.settle(grants.granted(attempt_id).id)
    if attempt.status is not AttemptStatus.SUBMITTED:
        return redirect(url_for(".landing", attempt_id=attempt_id))
    state = status.attempt_status(attempt, for_candidate=True)
    return render_template(
        "candidate/closing.html", attempt=attempt, state=state, attempt_id=attempt_id
    )


# --- JSON API --------------------------------------------------------------------------------


@bp.get(f"{PAGES}/api/workspace")
@candidate_route
@_per_attempt("30 per minute")
def api_workspace(attempt_id: int):
    ws = attempts.workspace(grants.granted(attempt_id).id)
    return jsonify(
        attempt_id=ws.attempt_id,
        deadline_at=ws.deadline_at.isoformat(),
        # Where this attempt's pages and API live: clients build every URL from `base`.
        urls={
            "base": url_for(".landing", attempt_id=attempt_id),
            "done": url_for(".closing", attempt_id=attempt_id),
        },
        # The browser checks a save against these before sending it (static/src/limits.js).
        limits={
            "file_bytes": attempts.MAX_FILE_BYTES,
            "total_bytes": attempts.MAX_DRAFT_BYTES,
            "request_bytes": current_app.config["MAX_CONTENT_LENGTH"],
        },
        items=[_item_json(i) for i in ws.items],
    )


def _item_json(item: attempts.WorkspaceItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "title": item.title,
        "kind": item.kind,
        "label": item.label,
        "editor": item.editor,
        "runnable": item.runnable,
        "revision": item.revision,
        "submitted": item.submitted,
        "last_run_id": item.last_run_id,
        "languages": item.languages,
        "language": item.language,
        "files": [vars(f) for f in item.files],
    }


@bp.post(f"{PAGES}/api/items/<int:item_id>/language")
@candidate_route
@_per_attempt("120 per minute")
def api_language(attempt_id: int, item_id: int):
    """Pick (or change) the language of a challenge that offers several; answer its new files."""
    item = attempts.choose_language(grants.granted(attempt_id).id, item_id, _body().get("language"))
    return jsonify(_item_json(item))


@bp.post(f"{PAGES}/api/items/<int:item_id>/draft")
@candidate_route
@_per_attempt("120 per minute")
def api_save(attempt_id: int, item_id: int):
    body = _body()
    saved = attempts.save_draft(
        grants.granted(attempt_id).id, item_id, body.get("files"), body.get("revision")
    )
    return jsonify(
        revision=saved.revision, changed=saved.changed, saved_at=saved.saved_at.isoformat()
    )


@bp.post(f"{PAGES}/api/items/<int:item_id>/runs")
@candidate_route
@_per_attempt("30 per minute")
def api_run(attempt_id: int, item_id: int):
    run = attempts.run_tests(grants.granted(attempt_id).id, item_id, _body().get("files"))
    return jsonify(status.submission_status(run, for_candidate=True)), 202


@bp.get(f"{PAGES}/api/runs/<int:run_id>")
@candidate_route
@_per_attempt("300 per minute")
def api_run_status(attempt_id: int, run_id: int):
    """Answer a run's state; with ?wait=s&since=status, once it is no longer `since` (long-poll).

    A long-poll answers the moment the worker announces the run's change, else after `wait`
    seconds (at most LONG_POLL_SECONDS) with the state unchanged. When this process already
    holds LONG_POLL_MAX waiting requests, it answers at once, with `retry_after` seconds.
    """
    attempt_id = grants.granted(attempt_id).id
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


@bp.post(f"{PAGES}/api/items/<int:item_id>/submit")
@candidate_route
@_per_attempt("30 per minute")
def api_submit_item(attempt_id: int, item_id: int):
    final = finalization.submit_item(grants.granted(attempt_id).id, item_id)
    return jsonify(item_id=item_id, final=status.submission_status(final, for_candidate=True))


@bp.post(f"{PAGES}/api/submit")
@candidate_route
@_per_attempt("30 per minute")
def api_submit(attempt_id: int):
    finalization.finish_attempt(grants.granted(attempt_id).id, reason="candidate")
    return jsonify(redirect=url_for(".closing", attempt_id=attempt_id))


@bp.post(f"{PAGES}/api/events")
@candidate_route
@_per_attempt("120 per minute")
def api_event(attempt_id: int):
    body = _body()
    item_id = body.get("item_id")
    if item_id is not None and (isinstance(item_id, bool) or not isinstance(item_id, int)):
        raise telemetry.EventRejected("item_id must be a whole number")
    attempt_id = grants.granted(attempt_id).id
    kind = str(body.get("kind", ""))
    recorded = telemetry.record_event(attempt_id, kind, item_id=item_id, data=body.get("data"))
    return jsonify(recorded=recorded)


@bp.get(f"{PAGES}/api/time")
@candidate_route
@_per_attempt("60 per minute")
def api_time(attempt_id: int):
    attempt = attempts.settle(grants.granted(attempt_id).id)
    return jsonify(
        server_now=utcnow().isoformat(),
        deadline_at=attempt.deadline_at.isoformat() if attempt.deadline_at else None,
        status=attempt.status.value,
        closing_url=url_for(".closing", attempt_id=attempt_id),
    )


@bp.get(f"{PAGES}/api/status")
@candidate_route
@_per_attempt("120 per minute")
def api_status(attempt_id: int):
    attempt = attempts.settle(grants.granted(attempt_id).id)
    return jsonify(status.attempt_status(attempt, for_candidate=True))


@bp.post(f"{PAGES}/api/preview")
@candidate_route
@_per_attempt("60 per minute")
def api_preview(attempt_id: int):
    grants.granted(attempt_id)
    text = _body().get("markdown")
    if not isinstance(text, str):
        raise DomainError("A preview takes Markdown text.")
    if len(text) > MAX_PREVIEW_CHARS:
        raise rendering.MarkdownTooLong(len(text))
    return jsonify(html=render_markdown(text))
