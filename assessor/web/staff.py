"""Staff pages: home, an assessment's progress, an attempt's report."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user

from assessor.models import AttemptStatus
from assessor.services.access import visible_assessment, visible_attempt
from assessor.services.permissions import Permission
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


@bp.route("/assessments/<int:assessment_id>")
@staff_required(Permission.VIEW_ASSESSMENT)
def assessment(assessment_id: int):
    found = visible_assessment(current_user, assessment_id)
    rows = assessment_progress(found.id)
    return render_template(
        "staff/assessment.html",
        assessment=found,
        rows=rows,
        histogram=score_histogram(rows),
    )


@bp.route("/attempts/<int:attempt_id>")
@staff_required(Permission.VIEW_ASSESSMENT)
def attempt(attempt_id: int):
    found = visible_attempt(current_user, attempt_id)
    return render_template(
        "staff/report.html",
        report=attempt_report(found.id),
        code_html=code_html,
        diff_html=diff_html,
        render_markdown=render_markdown,
    )
