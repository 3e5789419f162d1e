"""Staff pages: home, an assessment's dashboard, an attempt's report and its printable view."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, url_for
from flask_login import current_user

from assessor.services.access import visible_assessment, visible_attempt
from assessor.services.audience import audience_for
from assessor.services.dashboard import dashboard
from assessor.services.labels import STATUSES, when
from assessor.services.overview import staff_home
from assessor.services.permissions import Permission, can
from assessor.services.reports import attempt_report
from assessor.services.scoring import percent_text
from assessor.web.access import staff_required
from assessor.web.rendering import code_html, diff_html, render_markdown
from assessor.web.rows import with_links

bp = Blueprint("staff", __name__)

# What report pages need to show candidate text safely.
RENDERERS = {"code_html": code_html, "diff_html": diff_html, "render_markdown": render_markdown}


@bp.app_template_filter("percent")
def percent_filter(value: float | None) -> str:
    """Write a percent with the one rounding rule (scoring.round_percent)."""
    return percent_text(value)


@bp.app_template_filter("when")
def when_filter(value) -> str:
    return when(value)


def link(endpoint: str, **values) -> str | None:
    """Return the URL of another area's page, or None while that page does not exist yet."""
    if endpoint not in current_app.view_functions:
        return None
    return url_for(endpoint, **values)


@bp.route("/")
@staff_required(Permission.VIEW_HOME)
def home():
    return render_template(
        "staff/home.html",
        home=staff_home(current_user),
        statuses=STATUSES,
        new_assessment=link("assessments.new")
        if can(current_user, Permission.CREATE_ASSESSMENT)
        else None,
    )


@bp.route("/assessments/<int:assessment_id>")
@staff_required(Permission.VIEW_ASSESSMENT)
def assessment(assessment_id: int):
    found = visible_assessment(current_user, assessment_id)
    board = dashboard(found.id, audience_for(current_user, found))
    with_links(board.rows)
    manages = can(current_user, Permission.MANAGE_ASSESSMENT, found)
    links = {
        "invite": link("invitations.new", assessment_id=found.id) if manages else None,
        "invitations": link("invitations.index", assessment_id=found.id),
        "edit": link("assessments.edit", assessment_id=found.id) if manages else None,
        "sharing": link("assessments.sharing", assessment_id=found.id) if manages else None,
        "compare": url_for("reviews.compare", assessment_id=found.id),
        "export": url_for("reviews.export", assessment_id=found.id),
    }
    return render_template(
        "staff/assessment.html", board=board, links=links, render_markdown=render_markdown
    )


@bp.route("/attempts/<int:attempt_id>")
@staff_required(Permission.VIEW_ASSESSMENT)
def attempt(attempt_id: int):
    found = visible_attempt(current_user, attempt_id)
    report = attempt_report(found.id, audience_for(current_user, found.assessment))
    return render_template("staff/report.html", report=report, **RENDERERS)


@bp.route("/attempts/<int:attempt_id>/print")
@staff_required(Permission.VIEW_ASSESSMENT)
def print_report(attempt_id: int):
    found = visible_attempt(current_user, attempt_id)
    report = attempt_report(found.id, audience_for(current_user, found.assessment))
    return render_template("staff/print.html", report=report, **RENDERERS)
