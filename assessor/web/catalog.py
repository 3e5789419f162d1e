"""The challenge catalog: browse and filter the synced library, open a challenge, sync it."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from assessor.models import AssessmentStatus
from assessor.services import DomainError, assessment_views, catalog_views, library_sync
from assessor.services.challenge_views import challenge_detail
from assessor.services.permissions import Permission, can
from assessor.web.access import staff_required
from assessor.web.rendering import code_html, render_markdown

bp = Blueprint("catalog", __name__, url_prefix="/catalog")
MAX_TEXT = 100


@bp.context_processor
def _sync_words() -> dict:
    return {"labels": library_sync.ACTION_LABELS, "states": library_sync.STATE_LABELS}


class SyncForm(FlaskForm):
    """The "Sync library" button: only its CSRF token."""


def _filters(choices: catalog_views.Choices) -> catalog_views.Filters:
    """Read the filters from the query string, keeping only values the catalog offers."""
    args = request.args
    minutes = args.get("minutes", type=int)
    return catalog_views.Filters(
        skill=args.get("skill", "") if args.get("skill") in dict(choices.skills) else "",
        kind=args.get("kind", "") if args.get("kind") in dict(choices.kinds) else "",
        difficulty=args.get("difficulty", "")
        if args.get("difficulty") in choices.difficulties
        else "",
        max_minutes=minutes if minutes and minutes > 0 else None,
        text=args.get("q", "")[:MAX_TEXT],
    )


def _sync_status() -> dict:
    """What authors see of the library's syncs: the newest run and the last complete one."""
    if not can(current_user, Permission.MANAGE_CHALLENGES):
        return {}
    recent = library_sync.recent_runs(1)
    return {
        "latest": recent[0] if recent else None,
        "completed": library_sync.last_completed_run(),
        "form": SyncForm(),
    }


@bp.route("/")
@staff_required(Permission.VIEW_CATALOG)
def index():
    live = catalog_views.live_cards()
    choices = catalog_views.choices(live)
    filters = _filters(choices)
    return render_template(
        "staff/catalog/index.html",
        cards=catalog_views.browse(filters, live),
        total=len(live),
        choices=choices,
        filters=filters,
        can_compose=can(current_user, Permission.CREATE_ASSESSMENT),
        sync=_sync_status(),
    )


@bp.route("/challenges/<slug>")
@staff_required(Permission.VIEW_CATALOG)
def challenge(slug: str):
    detail = challenge_detail(current_user, slug, request.args.get("version", type=int))
    drafts = []
    if can(current_user, Permission.CREATE_ASSESSMENT):
        drafts = [
            row
            for row in assessment_views.list_assessments(
                current_user, statuses=[AssessmentStatus.ACTIVE, AssessmentStatus.DRAFT]
            )
            if not row.pinned
            and row.access in ("owner", "editor")
            and detail.card.title not in row.challenges
        ][:8]
    return render_template(
        "staff/catalog/challenge.html",
        detail=detail,
        statement_html=render_markdown(detail.statement),
        code_html=code_html,
        can_compose=can(current_user, Permission.CREATE_ASSESSMENT) and not detail.retired,
        can_sync=can(current_user, Permission.MANAGE_CHALLENGES),
        drafts=drafts,
    )


@bp.route("/sync", methods=["GET", "POST"])
@staff_required(Permission.MANAGE_CHALLENGES)
def sync():
    form = SyncForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            raise DomainError("The form expired: reload the page and try again.")
        try:
            run_id = library_sync.request_sync(actor_id=current_user.id, ip=request.remote_addr)
        except library_sync.SyncInProgress as busy:
            flash("A library sync is already under way: here is its progress.", "info")
            return redirect(url_for(".sync_run", run_id=busy.run_id))
        return redirect(url_for(".sync_run", run_id=run_id))
    return render_template("staff/catalog/syncs.html", runs=library_sync.recent_runs(30), form=form)


@bp.route("/sync/<int:run_id>")
@staff_required(Permission.MANAGE_CHALLENGES)
def sync_run(run_id: int):
    return render_template(
        "staff/catalog/sync_run.html",
        run=library_sync.get_run(run_id),
        form=SyncForm(),
        stall_minutes=int(library_sync.STALL_AFTER.total_seconds() // 60),
    )


@bp.route("/sync/<int:run_id>/status")
@staff_required(Permission.MANAGE_CHALLENGES)
def sync_status(run_id: int):
    return jsonify(library_sync.get_run(run_id).to_dict())
