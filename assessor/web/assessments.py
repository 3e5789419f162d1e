"""Compose assessments: list, create, edit, duplicate, archive, restore and share them."""

from __future__ import annotations

import dataclasses

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from assessor.models import AssessmentStatus, ShareAccess
from assessor.services import DomainError, assessment_shares, assessment_views, assessments
from assessor.services.access import manageable_assessment, visible_assessment
from assessor.services.permissions import Permission, can
from assessor.web import compose
from assessor.web.access import staff_required
from assessor.web.assessment_forms import (
    AccessForm,
    ActionForm,
    AssessmentForm,
    ShareForm,
    choices,
)
from assessor.web.rendering import render_markdown

bp = Blueprint("assessments", __name__)


def _invite_url(assessment_id: int) -> str | None:
    # The invitations blueprint is optional here: link to it only when it is installed.
    if "invitations.new" in current_app.view_functions:
        return url_for("invitations.new", assessment_id=assessment_id)
    return None


def _render_form(form: AssessmentForm, view=None, status: int = 200):
    cards = compose.offer(form)
    minutes = sum(cards[s].minutes for s, _ in form.rows() if s in cards)
    return (
        render_template(
            "staff/assessments/form.html",
            form=form,
            view=view,
            cards=cards,
            minutes=minutes,
            action_form=ActionForm(),
            invite_url=_invite_url(view.id) if view else None,
            render_markdown=render_markdown,
        ),
        status,
    )


@bp.route("/assessments")
@staff_required(Permission.VIEW_ASSESSMENT)
def index():
    archived = request.args.get("show") == "archived"
    statuses = [AssessmentStatus.ARCHIVED]
    if not archived:
        statuses = [AssessmentStatus.ACTIVE, AssessmentStatus.DRAFT]
    return render_template(
        "staff/assessments/index.html",
        rows=assessment_views.list_assessments(current_user, statuses=statuses),
        archived=archived,
        can_create=can(current_user, Permission.CREATE_ASSESSMENT),
        action_form=ActionForm(),
        invite_url=_invite_url,
    )


@bp.route("/assessments/new", methods=["GET", "POST"])
@staff_required(Permission.CREATE_ASSESSMENT)
def new():
    form = AssessmentForm()
    if request.method == "GET":
        missing = compose.fill_new(form, request.args.getlist("challenge"))
        if missing:
            flash(f"Not in the catalog (or retired): {', '.join(missing)}.", "warning")
        return _render_form(form)
    if compose.rearrange(form, request) or not form.validate_on_submit():
        return _render_form(form, status=200 if request.form.get("op") else 400)
    try:
        created = assessments.create_assessment(
            assessments.NewAssessment(
                owner_id=current_user.id,
                duration_minutes=form.duration_minutes.data,
                items=compose.composition(form).items,
                **dataclasses.asdict(compose.details(form)),
            ),
            actor_id=current_user.id,
            ip=request.remote_addr,
        )
    except DomainError as exc:
        form.form_errors.append(str(exc))
        return _render_form(form, status=exc.status)
    flash(f"Created “{created.title}”. Invite candidates when you are ready.", "success")
    return redirect(url_for("staff.assessment", assessment_id=created.id))


@bp.route("/assessments/<int:assessment_id>/edit", methods=["GET", "POST"])
@staff_required(Permission.MANAGE_ASSESSMENT)
def edit(assessment_id: int):
    manageable_assessment(current_user, assessment_id)
    view = assessment_views.assessment_view(current_user, assessment_id)
    form = AssessmentForm()
    # Once pinned the page offers no challenge rows. A POST that still carries them comes from
    # a page opened before the first invitation (or is forged): the service compares them with
    # what is pinned and refuses any change, rather than silently dropping it.
    recomposing = any(key.startswith("items-") for key in request.form)
    if view.pinned and not recomposing:
        del form.duration_minutes, form.items, form.add
    if request.method == "GET":
        compose.fill_existing(form, view, request.args.get("add"))
        return _render_form(form, view)
    if not view.pinned and compose.rearrange(form, request):
        return _render_form(form, view)
    if not form.validate_on_submit():
        return _render_form(form, view, status=400)
    try:
        assessments.update_assessment(
            assessment_id,
            compose.details(form),
            compose.composition(form) if form.items is not None else None,
            actor_id=current_user.id,
            ip=request.remote_addr,
        )
    except assessments.AssessmentPinned as exc:
        flash(str(exc), "error")
        return redirect(url_for(".edit", assessment_id=assessment_id))
    except DomainError as exc:
        form.form_errors.append(str(exc))
        return _render_form(form, view, status=exc.status)
    flash("Saved.", "success")
    return redirect(url_for("staff.assessment", assessment_id=assessment_id))


@bp.route("/assessments/<int:assessment_id>/duplicate", methods=["POST"])
@staff_required(Permission.CREATE_ASSESSMENT)
def duplicate(assessment_id: int):
    visible_assessment(current_user, assessment_id)
    _require(ActionForm())
    copy = assessments.duplicate(assessment_id, actor_id=current_user.id, ip=request.remote_addr)
    flash("This is your copy, not yet pinned: change anything, then invite.", "success")
    return redirect(url_for(".edit", assessment_id=copy.id))


@bp.route("/assessments/<int:assessment_id>/archive", methods=["POST"])
@staff_required(Permission.MANAGE_ASSESSMENT)
def archive(assessment_id: int):
    manageable_assessment(current_user, assessment_id)
    _require(ActionForm())
    done = assessments.archive(assessment_id, actor_id=current_user.id, ip=request.remote_addr)
    flash(f"Archived “{done.title}”: it accepts no new invitations until restored.", "success")
    return redirect(url_for(".index"))


@bp.route("/assessments/<int:assessment_id>/restore", methods=["POST"])
@staff_required(Permission.MANAGE_ASSESSMENT)
def restore(assessment_id: int):
    manageable_assessment(current_user, assessment_id)
    _require(ActionForm())
    done = assessments.restore(assessment_id, actor_id=current_user.id, ip=request.remote_addr)
    flash(f"Restored “{done.title}”.", "success")
    return redirect(url_for("staff.assessment", assessment_id=assessment_id))


@bp.route("/assessments/<int:assessment_id>/sharing", methods=["GET", "POST"])
@staff_required(Permission.VIEW_ASSESSMENT)
def sharing(assessment_id: int):
    found = visible_assessment(current_user, assessment_id)
    form = ShareForm()
    form.user_id.choices = choices(
        (u.user_id, f"{u.name} ({u.email})")
        for u in assessment_shares.shareable_users(assessment_id)
    )
    if request.method == "POST":
        manageable_assessment(current_user, assessment_id)
        if form.validate_on_submit():
            try:
                added = assessment_shares.share(
                    assessment_id,
                    form.user_id.data,
                    ShareAccess(form.access.data),
                    actor_id=current_user.id,
                    ip=request.remote_addr,
                )
            except DomainError as exc:
                flash(str(exc), "error")
            else:
                flash(f"Shared with {added.name} as {added.access}.", "success")
            return redirect(url_for(".sharing", assessment_id=assessment_id))
    return render_template(
        "staff/assessments/sharing.html",
        view=assessment_views.assessment_view(current_user, found.id),
        people=assessment_shares.collaborators(assessment_id),
        form=form,
        access_form=AccessForm(),
        action_form=ActionForm(),
    ), (400 if form.errors else 200)


@bp.route("/assessments/<int:assessment_id>/sharing/<int:user_id>", methods=["POST"])
@staff_required(Permission.MANAGE_ASSESSMENT)
def change_share(assessment_id: int, user_id: int):
    manageable_assessment(current_user, assessment_id)
    form = AccessForm()
    _require(form)
    changed = assessment_shares.share(
        assessment_id,
        user_id,
        ShareAccess(form.access.data),
        actor_id=current_user.id,
        ip=request.remote_addr,
    )
    flash(f"{changed.name} is now {changed.access}.", "success")
    return redirect(url_for(".sharing", assessment_id=assessment_id))


@bp.route("/assessments/<int:assessment_id>/sharing/<int:user_id>/remove", methods=["POST"])
@staff_required(Permission.MANAGE_ASSESSMENT)
def remove_share(assessment_id: int, user_id: int):
    manageable_assessment(current_user, assessment_id)
    _require(ActionForm())
    gone = assessment_shares.unshare(
        assessment_id, user_id, actor_id=current_user.id, ip=request.remote_addr
    )
    flash(f"{gone.name} no longer has access.", "success")
    if gone.user_id == current_user.id:  # an editor who removed themselves
        return redirect(url_for(".index"))
    return redirect(url_for(".sharing", assessment_id=assessment_id))


def _require(form) -> None:
    """Refuse a POST whose form (its CSRF token, its fields) does not validate."""
    if not form.validate_on_submit():
        raise DomainError("The form expired or was incomplete: reload the page and try again.")
