"""Administration: staff accounts and the audit log."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from assessor.models import Role
from assessor.services import (
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    audit,
    mail,
    password_links,
    staff_roles,
    users,
)
from assessor.services.permissions import Permission
from assessor.web.access import staff_required
from assessor.web.admin_forms import AuditFilterForm, NewStaffForm, RoleForm

bp = Blueprint("admin", __name__, url_prefix="/admin")

ROLE_HELP = {
    Role.ADMIN.value: "everything: staff accounts, the audit log, every assessment",
    Role.AUTHOR.value: "the challenge catalog and its sync",
    Role.INTERVIEWER.value: "their own assessments and those shared with them",
}


def _actor() -> users.Actor:
    return users.Actor(current_user.id, request.remote_addr)


def _link_for(token: str) -> str:
    # PUBLIC_URL when set: a link built from the request's Host header could point elsewhere.
    public = current_app.config["PUBLIC_URL"]
    if not public:
        return url_for("auth.set_password", token=token, _external=True)
    path = url_for("auth.set_password", token=token).removeprefix(request.script_root)
    return public.rstrip("/") + path


def _refused(exc: DomainError) -> bool:
    """Tell whether an error is a refusal to explain on the page (not a missing/forbidden id)."""
    return not isinstance(exc, NotFound | Forbidden)


@bp.after_request
def _no_store(response):
    # Pages here may show a one-time set-password link: keep them out of caches and history.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/users", endpoint="users")
@staff_required(Permission.MANAGE_USERS)
def users_page():
    return render_template(
        "staff/admin/users.html", members=users.staff_list(), role_help=ROLE_HELP
    )


@bp.route("/users/new", methods=["GET", "POST"])
@staff_required(Permission.MANAGE_USERS)
def new_user():
    form = NewStaffForm()
    if form.validate_on_submit():
        try:
            if form.method.data == "invite":
                issued = password_links.invite(
                    form.email.data,
                    form.name.data,
                    form.role.data,
                    link_for=_link_for,
                    by=_actor(),
                )
                return render_template("staff/admin/link.html", issued=issued, invited=True)
            user = users.create_user(
                users.NewUser(form.email.data, form.name.data, form.role.data, form.password.data),
                by=_actor(),
            )
        except users.WeakPassword as exc:
            form.password.errors.append(str(exc))
        except (users.InvalidEmail, Conflict) as exc:
            form.email.errors.append(str(exc))
        except DomainError as exc:
            if not _refused(exc):
                raise
            flash(str(exc), "error")
        else:
            flash(f"Created the {user.role.value} account {user.email}.", "success")
            return redirect(url_for(".user", user_id=user.id))
    status = 400 if request.method == "POST" else 200
    page = render_template("staff/admin/new_user.html", form=form, role_help=ROLE_HELP)
    return page, status


@bp.get("/users/<int:user_id>")
@staff_required(Permission.MANAGE_USERS)
def user(user_id: int):
    member = users.member(user_id)
    form = RoleForm(role=member.role)
    history = audit.search(audit.AuditQuery(target_type="user", target_id=str(user_id), limit=20))
    return render_template(
        "staff/admin/user.html",
        member=member,
        form=form,
        role_help=ROLE_HELP,
        history=history.entries,
        messages=mail.outbox(user_id=user_id),
        is_self=member.id == current_user.id,
    )


@bp.post("/users/<int:user_id>/role")
@staff_required(Permission.MANAGE_USERS)
def change_role(user_id: int):
    form = RoleForm()
    if not form.validate_on_submit():
        flash("Choose one of the roles.", "error")
        return redirect(url_for(".user", user_id=user_id))
    return _act(
        user_id,
        lambda: staff_roles.change_role(user_id, form.role.data, _actor()),
        lambda u: f"{u.name} is now {_article(u.role.value)} {u.role.value}.",
    )


@bp.post("/users/<int:user_id>/deactivate")
@staff_required(Permission.MANAGE_USERS)
def deactivate(user_id: int):
    return _act(
        user_id,
        lambda: staff_roles.set_active(user_id, False, _actor()),
        lambda u: f"Deactivated {u.email}: their sessions end now and they cannot sign in.",
    )


@bp.post("/users/<int:user_id>/reactivate")
@staff_required(Permission.MANAGE_USERS)
def reactivate(user_id: int):
    return _act(
        user_id,
        lambda: staff_roles.set_active(user_id, True, _actor()),
        lambda u: f"Reactivated {u.email}.",
    )


@bp.post("/users/<int:user_id>/reset-password")
@staff_required(Permission.MANAGE_USERS)
def reset_password(user_id: int):
    return _issue(user_id, lambda: password_links.reset(user_id, link_for=_link_for, by=_actor()))


@bp.post("/users/<int:user_id>/resend")
@staff_required(Permission.MANAGE_USERS)
def resend(user_id: int):
    return _issue(
        user_id,
        lambda: password_links.resend_invitation(user_id, link_for=_link_for, by=_actor()),
        invited=True,
    )


def _act(user_id: int, action, done):
    try:
        changed = action()
    except DomainError as exc:
        if not _refused(exc):
            raise
        flash(str(exc), "error")
    else:
        flash(done(changed), "success")
    return redirect(url_for(".user", user_id=user_id))


def _issue(user_id: int, action, *, invited: bool = False):
    try:
        issued = action()
    except DomainError as exc:
        if not _refused(exc):
            raise
        flash(str(exc), "error")
        return redirect(url_for(".user", user_id=user_id))
    # Rendered, not redirected: the link exists only in this response (it is stored hashed).
    return render_template("staff/admin/link.html", issued=issued, invited=invited)


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


@bp.get("/audit", endpoint="audit")
@staff_required(Permission.VIEW_AUDIT)
def audit_log():
    form = AuditFilterForm(request.args, meta={"csrf": False})
    options = audit.options()
    form.fill(options)
    # Invalid filters (a reversed date range) show their errors and no rows, never everything.
    page = audit.search(form.query()) if form.validate() else audit.AuditPage([], None, None)
    return render_template("staff/admin/audit.html", form=form, page=page, filters=form.link_args())
