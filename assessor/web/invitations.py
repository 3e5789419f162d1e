"""Invite candidates to an assessment: one or many, links, resend, revoke, extend, outbox."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from assessor.services import DomainError, Forbidden, NotFound, invitation_views, mail
from assessor.services import invitation_actions as actions
from assessor.services.access import (
    manageable_assessment,
    manageable_attempt,
    visible_assessment,
    visible_attempt,
)
from assessor.services.audience import audience_for
from assessor.services.invitation_import import check_lines
from assessor.services.invitations import NewInvitation, default_days, problems_of
from assessor.services.permissions import Permission, can
from assessor.web.access import staff_required
from assessor.web.invitation_forms import (
    ActionForm,
    ExtendForm,
    ManyForm,
    OneForm,
    ReissueForm,
)

bp = Blueprint("invitations", __name__)


def _actor() -> actions.Actor:
    return actions.Actor(current_user.id, request.remote_addr)


def _base_url() -> str:
    # PUBLIC_URL is the address candidates reach; without it, the one staff are using.
    return current_app.config["PUBLIC_URL"] or request.url_root


def _anonymous(assessment) -> bool:
    # Reviewers of an assessment that hides identities see no names; those who invite do.
    return not audience_for(current_user, assessment).sees_identity


def _back(attempt) -> str:
    if request.form.get("back") == "list":
        return url_for(".index", assessment_id=attempt.assessment_id)
    return url_for(".detail", attempt_id=attempt.id)


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json"


@bp.get("/assessments/<int:assessment_id>/invitations")
@staff_required(Permission.VIEW_ASSESSMENT)
def index(assessment_id: int):
    assessment = visible_assessment(current_user, assessment_id)
    return render_template(
        "staff/invitations/index.html",
        summary=invitation_views.summary(assessment.id),
        rows=invitation_views.invitation_rows(assessment.id, anonymous=_anonymous(assessment)),
        can_manage=can(current_user, Permission.MANAGE_ASSESSMENT, assessment),
    )


@bp.route("/assessments/<int:assessment_id>/invitations/new", methods=["GET", "POST"])
@staff_required(Permission.MANAGE_ASSESSMENT)
def new(assessment_id: int):
    assessment = manageable_assessment(current_user, assessment_id)
    days = default_days()
    # Two forms share the page; each one's fields carry its prefix. Only the one submitted
    # reads the post: the other keeps its defaults (a missing checkbox would read as "off").
    mode = "many" if "many-lines" in request.form else "one"
    posted = request.form if request.method == "POST" else None
    one = OneForm(
        prefix="one", formdata=posted if mode == "one" else None, data={"valid_days": days}
    )
    many = ManyForm(
        prefix="many", formdata=posted if mode == "many" else None, data={"valid_days": days}
    )
    problems, skipped = [], []
    if request.method == "POST":
        try:
            if mode == "many" and many.validate():
                checked = check_lines(
                    assessment.id,
                    many.lines.data,
                    extra_minutes=many.extra_minutes.data or 0,
                    valid_days=many.valid_days.data,
                    skip_invited=many.skip_invited.data,
                )
                problems, skipped = checked.problems, checked.skipped
                if not problems and checked.ready:
                    invited = actions.invite(
                        checked.ready, _base_url(), _actor(), email=many.send_email.data
                    )
                    return _sent(assessment.id, invited, skipped, many.send_email.data)
                if not problems:
                    flash("Everyone on the list is already invited: no one was added.", "info")
            elif mode == "one" and one.validate():
                candidate = NewInvitation(
                    assessment.id,
                    one.name.data,
                    one.email.data,
                    one.extra_minutes.data or 0,
                    one.valid_days.data,
                )
                if wrong := problems_of(candidate):
                    flash("Not invited: " + "; ".join(wrong) + ".", "error")
                else:
                    invited = actions.invite(
                        [candidate], _base_url(), _actor(), email=one.send_email.data
                    )
                    return _sent(assessment.id, invited, [], one.send_email.data)
        except DomainError as exc:
            if isinstance(exc, NotFound | Forbidden):
                raise
            flash(str(exc), "error")
    return render_template(
        "staff/invitations/new.html",
        summary=invitation_views.summary(assessment.id),
        one=one,
        many=many,
        problems=problems,
        skipped=skipped,
    ), (422 if request.method == "POST" else 200)  # a post that comes back invited no one


def _sent(assessment_id: int, invited, skipped, emailed: bool):
    return render_template(
        "staff/invitations/sent.html",
        summary=invitation_views.summary(assessment_id),
        invited=invited,
        skipped=skipped,
        emailed=emailed,
    )


@bp.get("/invitations/<int:attempt_id>")
@staff_required(Permission.VIEW_ASSESSMENT)
def detail(attempt_id: int):
    attempt = visible_attempt(current_user, attempt_id)
    assessment = attempt.assessment
    anonymous = _anonymous(assessment)
    manage = can(current_user, Permission.MANAGE_ASSESSMENT, assessment)
    return render_template(
        "staff/invitations/detail.html",
        summary=invitation_views.summary(assessment.id),
        row=invitation_views.invitation_row(attempt.id, anonymous=anonymous),
        outbox=None if anonymous else mail.outbox(attempt_id=attempt.id),
        can_manage=manage,
        form=ActionForm(),
        reissue_form=ReissueForm(),
        extend_form=ExtendForm(data={"valid_days": default_days()}),
    )


@bp.post("/invitations/<int:attempt_id>/link")
@staff_required(Permission.MANAGE_ASSESSMENT)
def link(attempt_id: int):
    attempt = manageable_attempt(current_user, attempt_id)
    try:
        _check_form(ActionForm())
        url = actions.copy_link(attempt.id, _base_url(), _actor())
    except DomainError as exc:
        if _wants_json() and not isinstance(exc, NotFound | Forbidden):
            return jsonify(error=str(exc), status=exc.status), exc.status
        return _refused(exc, _back(attempt))
    if _wants_json():
        return jsonify(url=url)
    return _link_page(attempt, url)


def _link_page(attempt, url: str, **notes):
    return render_template(
        "staff/invitations/link.html",
        row=invitation_views.invitation_row(attempt.id),
        summary=invitation_views.summary(attempt.assessment_id),
        url=url,
        **notes,
    )


@bp.post("/invitations/<int:attempt_id>/resend")
@staff_required(Permission.MANAGE_ASSESSMENT)
def resend(attempt_id: int):
    attempt = manageable_attempt(current_user, attempt_id)
    back = _back(attempt)
    try:
        _check_form(ActionForm())
        sent = actions.resend(attempt.id, _base_url(), _actor())
    except DomainError as exc:
        return _refused(exc, back)
    if sent.mail_status == "sent":
        flash(f"Sent the link to {sent.email} again.", "success")
        return redirect(back)
    # Not sent (no mail server) or failed: the link is the way to reach the candidate now.
    return _link_page(attempt, sent.link, outcome=sent.mail_status, error=sent.mail_error)


@bp.post("/invitations/<int:attempt_id>/reissue")
@staff_required(Permission.MANAGE_ASSESSMENT)
def reissue(attempt_id: int):
    attempt = manageable_attempt(current_user, attempt_id)
    form = ReissueForm()
    try:
        _check_form(form)
        issued = actions.reissue(attempt.id, _base_url(), _actor(), email=form.send_email.data)
    except DomainError as exc:
        return _refused(exc, _back(attempt))
    return _link_page(
        attempt,
        issued.link,
        reissued=True,
        outcome=issued.mail_status,
        error=issued.mail_error,
    )


@bp.post("/invitations/<int:attempt_id>/revoke")
@staff_required(Permission.MANAGE_ASSESSMENT)
def revoke(attempt_id: int):
    attempt = manageable_attempt(current_user, attempt_id)
    back = _back(attempt)
    try:
        _check_form(ActionForm())
        actions.revoke(attempt.id, _actor())
    except DomainError as exc:
        return _refused(exc, back)
    flash("Revoked: the link no longer opens the assessment.", "success")
    return redirect(back)


@bp.post("/invitations/<int:attempt_id>/extend")
@staff_required(Permission.MANAGE_ASSESSMENT)
def extend(attempt_id: int):
    attempt = manageable_attempt(current_user, attempt_id)
    form = ExtendForm()
    back = _back(attempt)
    try:
        _check_form(form)
        change = actions.Extension(
            valid_days=form.valid_days.data,
            extra_minutes=form.extra_minutes.data,
            add_minutes=form.add_minutes.data,
        )
        flash(actions.extend(attempt.id, change, _actor()), "success")
    except DomainError as exc:
        return _refused(exc, back)
    return redirect(back)


def _check_form(form) -> None:
    if not form.validate():
        problems = [
            f"{form[name].label.text}: {' '.join(errs)}" for name, errs in form.errors.items()
        ]
        raise DomainError("; ".join(problems) or "The form is not valid; reload the page.")


def _refused(exc: DomainError, back: str):
    if isinstance(exc, NotFound | Forbidden):
        raise exc
    flash(str(exc), "error")
    return redirect(back)
