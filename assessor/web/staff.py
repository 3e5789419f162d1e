"""Staff pages: home, an assessment's progress, an attempt's report."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import current_user

from assessor.extensions import db
from assessor.models import Assessment, Attempt, AttemptStatus
from assessor.services.permissions import Permission, can
from assessor.services.progress import assessment_progress, score_histogram, staff_home
from assessor.services.reports import attempt_report
from assessor.web.access import staff_required
from assessor.web.rendering import code_html, diff_html, render_markdown

bp = Blueprint("staff", __name__)


@bp.route("/")
@staff_required(Permission.VIEW_HOME)
def home():
    return render_template(
        "staff/home.html", home=staff_home(current_user), statuses=list(AttemptStatus)
    )


def visible_assessment(assessment_id: int) -> Assessment:
    """Return an assessment the current user may see; 404 otherwise (ids reveal nothing)."""
    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None or not can(current_user, Permission.VIEW_ASSESSMENT, assessment):
        abort(404, "No such assessment.")
    return assessment


@bp.route("/assessments/<int:assessment_id>")
@staff_required(Permission.VIEW_ASSESSMENT)
def assessment(assessment_id: int):
    found = visible_assessment(assessment_id)
    rows = assessment_progress(found.id)
    return render_template(
        "staff/assessment.html",
        assessment=found,
        rows=rows,
        histogram=score_histogram(rows),
    )


def visible_attempt(attempt_id: int) -> Attempt:
    """Return an attempt of an assessment the current user may see; 404 otherwise."""
    found = db.session.get(Attempt, attempt_id)
    if found is None:
        abort(404, "No such attempt.")
    visible_assessment(found.assessment_id)
    return found


@bp.route("/attempts/<int:attempt_id>")
@staff_required(Permission.VIEW_ASSESSMENT)
def attempt(attempt_id: int):
    found = visible_attempt(attempt_id)
    return render_template(
        "staff/report.html",
        report=attempt_report(found.id),
        code_html=code_html,
        diff_html=diff_html,
        render_markdown=render_markdown,
    )
