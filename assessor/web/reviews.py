"""Review attempts: scorecards, decisions, revisions; compare candidates and export."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from assessor.services import reviews
from assessor.services.access import visible_assessment, visible_attempt
from assessor.services.audience import audience_for
from assessor.services.compare import comparison
from assessor.services.export import export_comparison
from assessor.services.permissions import Permission
from assessor.services.review_views import review_page
from assessor.services.revisions import playback
from assessor.web.access import staff_required
from assessor.web.diffs import revision_diff_html
from assessor.web.rendering import code_html, render_markdown
from assessor.web.review_forms import DiscardForm, field_name, scorecard_form
from assessor.web.rows import with_links

bp = Blueprint("reviews", __name__)

SAVED = {
    "review.save": "Draft saved. Only you can see it until you submit it.",
    "review.submit": "Scorecard submitted.",
    "review.update": "Scorecard updated.",
}


@bp.route("/attempts/<int:attempt_id>/review", methods=["GET", "POST"])
@staff_required(Permission.VIEW_ASSESSMENT)
def review(attempt_id: int):
    found = visible_attempt(current_user, attempt_id)
    page = review_page(found.id, audience_for(current_user, found.assessment))
    items = [i.facts for i in page.items]
    prefill = {"notes": page.notes, "decision": page.decision or ""}
    prefill |= {field_name(i.facts.id, c): v for i in page.items for c, v in i.values.items()}
    form = scorecard_form(items, data=prefill)
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            was = page.state
            try:
                reviews.save_scorecard(
                    found.id, current_user.id, form.score_input(items), ip=request.remote_addr
                )
            except reviews.ScorecardRejected as exc:
                for problem in exc.problems:
                    flash(problem, "error")
            else:
                action = "review.update" if was == "submitted" else None
                action = action or ("review.submit" if form.submit.data else "review.save")
                flash(SAVED[action], "success")
                return redirect(url_for(".review", attempt_id=found.id))
        status = 422
    return (
        render_template(
            "staff/review.html",
            page=page,
            form=form,
            discard=DiscardForm(),
            field_name=field_name,
            render_markdown=render_markdown,
        ),
        status,
    )


@bp.post("/attempts/<int:attempt_id>/review/discard")
@staff_required(Permission.VIEW_ASSESSMENT)
def discard(attempt_id: int):
    found = visible_attempt(current_user, attempt_id)
    if DiscardForm().validate_on_submit():
        if reviews.discard_draft(found.id, current_user.id, ip=request.remote_addr):
            flash("Draft discarded.", "success")
        else:
            flash("You have no draft to discard.", "info")
    return redirect(url_for(".review", attempt_id=found.id))


@bp.get("/attempts/<int:attempt_id>/items/<int:item_id>/revisions")
@staff_required(Permission.VIEW_ASSESSMENT)
def revisions(attempt_id: int, item_id: int):
    found = visible_attempt(current_user, attempt_id)
    wanted = request.args.get("revision", type=int)
    steps = playback(found.id, item_id, wanted)
    audience = audience_for(current_user, found.assessment)
    return render_template(
        "staff/revisions.html",
        play=steps,
        candidate=audience.candidate_name(found.id, found.candidate_name),
        diff_html=revision_diff_html,
        code_html=code_html,
        autoplay=request.args.get("play") == "1",
    )


def _sorting() -> tuple[str, bool]:
    return request.args.get("sort", "total"), request.args.get("dir", "desc") != "asc"


@bp.get("/assessments/<int:assessment_id>/compare")
@staff_required(Permission.VIEW_ASSESSMENT)
def compare(assessment_id: int):
    found = visible_assessment(current_user, assessment_id)
    sort, descending = _sorting()
    table = comparison(
        found.id, audience_for(current_user, found), sort=sort, descending=descending
    )
    with_links(list(table.rows))
    return render_template("staff/compare.html", table=table)


@bp.get("/assessments/<int:assessment_id>/compare.csv")
@staff_required(Permission.VIEW_ASSESSMENT)
def export(assessment_id: int):
    found = visible_assessment(current_user, assessment_id)
    sort, descending = _sorting()
    text = export_comparison(
        found.id,
        audience_for(current_user, found),
        actor_id=current_user.id,
        ip=request.remote_addr,
        sort=sort,
        descending=descending,
    )
    # A byte-order mark: Excel reads UTF-8 (accented names) only when the file starts with one.
    return Response(
        "\ufeff" + text,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="assessment-{found.id}-candidates.csv"',
            "Cache-Control": "no-store",
        },
    )
