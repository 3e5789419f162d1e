"""Staff login and logout, and the one-time page where a staff member sets a password."""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from assessor.extensions import limiter, login_manager
from assessor.services import DomainError, password_links, passwords, users
from assessor.web.access import public

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])
    remember = BooleanField("Keep me signed in on this device")


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        "New password", validators=[DataRequired(), Length(max=passwords.MAX_LENGTH)]
    )
    confirm = PasswordField(
        "The same password again",
        validators=[DataRequired(), EqualTo("password", message="The two passwords differ.")],
    )


def login_manager_setup(loader) -> None:
    """Wire Flask-Login to our user loader and login page."""
    login_manager.user_loader(_bound_to_credentials(loader))
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.session_protection = "strong"

    @login_manager.unauthorized_handler
    def unauthorized():
        # API clients get a 401 they can act on; browsers are sent to the login page.
        if request.path.startswith("/api/"):
            return jsonify(error="Sign in first.", status=401), 401
        flash(login_manager.login_message, "info")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _bound_to_credentials(loader):
    """Load a session's user only while the password it was opened with is still theirs."""

    def load(key: str):
        # The session (and remember-me cookie) holds "id:fingerprint" (users.session_key): a
        # password reset or change ends every session opened before it, a stolen one included.
        user_id, _, fingerprint = str(key).partition(":")
        user = loader(user_id)
        if user is None or not fingerprint:
            return None
        expected = users.credential_fingerprint(user)
        return user if hmac.compare_digest(fingerprint, expected) else None

    return load


def _safe_next(target: str | None) -> str:
    # Only same-site relative paths: an attacker's ?next=https://evil/ must not redirect away.
    if not target:
        return url_for("staff.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("staff.home")
    return target


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(
    "10 per minute",  # slows password guessing per address
    methods=["POST"],
    error_message="Too many sign-in attempts from your address. Wait a minute, then try again.",
)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("staff.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = users.authenticate(form.email.data, form.password.data, ip=request.remote_addr)
        if user is not None:
            login_user(user, remember=form.remember.data)
            session["_user_id"] = users.session_key(user)  # see _bound_to_credentials
            return redirect(_safe_next(request.args.get("next")))
        flash("Wrong email or password, or the account is disabled.", "error")
    status = 401 if request.method == "POST" else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@public
def logout():
    if current_user.is_authenticated:
        users.record_logout(current_user.id, request.remote_addr)
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/password/<token>", methods=["GET", "POST"])
@public
@limiter.limit(
    "10 per minute",
    methods=["POST"],
    error_message="Too many attempts from your address. Wait a minute, then try again.",
)
def set_password(token: str):
    try:
        holder = password_links.holder(token)
    except password_links.InvalidLink as exc:
        return _no_store("auth/link_invalid.html", 404, message=str(exc))
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            password_links.redeem(token, form.password.data, ip=request.remote_addr)
        except password_links.InvalidLink as exc:
            return _no_store("auth/link_invalid.html", 404, message=str(exc))
        except DomainError as exc:
            form.password.errors.append(str(exc))
        else:
            if current_user.is_authenticated:
                logout_user()  # whoever was signed in on this browser, the link's owner signs in
            flash("Your password is set. Sign in with it now.", "success")
            return redirect(url_for("auth.login"))
    status = 400 if request.method == "POST" else 200
    return _no_store(
        "auth/set_password.html", status, form=form, holder=holder, min_length=passwords.MIN_LENGTH
    )


def _no_store(template: str, status: int, **context):
    # The URL carries the link's token: no shared cache or history entry keeps the page.
    response = make_response(render_template(template, **context), status)
    response.headers["Cache-Control"] = "no-store"
    return response
