"""`assessor users`: manage staff accounts (the same services as the Staff pages)."""

from __future__ import annotations

import sys

import click
from flask import current_app, url_for

from assessor.models import Role
from assessor.services import DomainError, password_links, passwords, staff_roles
from assessor.services import users as user_service

CLI = user_service.Actor(via="cli")
ROLE_HELP = "admin: everything; author: challenges; interviewer: their own assessments."


@click.group("users", help="Create, invite, list, change and deactivate staff accounts.")
def group() -> None:
    """Manage staff accounts."""


def _fail(exc: DomainError) -> click.ClickException:
    return click.ClickException(str(exc))


def _link_maker(base_url: str | None):
    """Return token -> the set-password page's absolute URL on the public address."""
    base = (base_url or current_app.config["PUBLIC_URL"] or "http://127.0.0.1:5000").rstrip("/")

    def link_for(token: str) -> str:
        with current_app.test_request_context(base_url=base):
            return url_for("auth.set_password", token=token, _external=True)

    return link_for


_base_url_option = click.option(
    "--base-url",
    default=None,
    help="Public address of the platform for the link (default: PUBLIC_URL).",
)


def _report(issued: password_links.IssuedLink) -> None:
    if issued.emailed:
        click.echo(f"Emailed a one-time link to {issued.email}.")
        return
    why = f"sending failed: {issued.error}" if issued.delivery == "failed" else "no SMTP server"
    click.echo(f"No email sent ({why}). Hand {issued.name} this one-time link yourself:")
    click.echo(f"  {issued.url}")
    click.echo(f"It works once, until {issued.expires_at:%Y-%m-%d %H:%M} UTC.")


@group.command("create")
@click.option("--email", required=True, help="Login email (case-insensitive, unique).")
@click.option("--name", required=True, help="Display name.")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True, help=ROLE_HELP)
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from the first line of standard input (for scripts).",
)
@click.option(
    "--generate-password",
    is_flag=True,
    help="Generate a strong random password and print it once.",
)
def create(email: str, name: str, role: str, password_stdin: bool, generate_password: bool):
    """Create a staff account. There are no default passwords: you set or generate one.

    Without --password-stdin or --generate-password you are prompted twice. The password must
    have at least 12 characters and must not be common or guessable (zxcvbn).
    """
    if password_stdin and generate_password:
        raise click.UsageError("choose one of --password-stdin and --generate-password")
    if generate_password:
        password = passwords.generate()
    elif password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = user_service.create_user(
            user_service.NewUser(email=email, name=name, role=Role(role), password=password),
            by=CLI,
        )
    except DomainError as exc:
        raise _fail(exc) from exc
    click.echo(f"Created {user.role.value} {user.email} (id {user.id}).")
    if generate_password:
        click.echo(f"Password (shown once): {password}")


@group.command("invite")
@click.option("--email", required=True, help="Login email (case-insensitive, unique).")
@click.option("--name", required=True, help="Display name.")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True, help=ROLE_HELP)
@_base_url_option
def invite(email: str, name: str, role: str, base_url: str | None) -> None:
    """Create an account without a password and email its owner a link to set one.

    Without an SMTP server (MAIL_SERVER) the link is printed for you to hand over.
    """
    try:
        issued = password_links.invite(email, name, role, link_for=_link_maker(base_url), by=CLI)
    except DomainError as exc:
        raise _fail(exc) from exc
    click.echo(f"Invited {issued.email} as {role}.")
    _report(issued)


@group.command("list")
def list_() -> None:
    """List staff accounts with their role and state."""
    rows = user_service.staff_list()
    if not rows:
        click.echo("No staff accounts yet. Create one with: assessor users create --role admin")
        return
    width = max(len(u.email) for u in rows)
    for user in rows:
        state = "deactivated" if not user.active else "active"
        if user.active and user.awaiting_password:
            state = "no password"
        last = user.last_login_at.strftime("%Y-%m-%d %H:%M") if user.last_login_at else "never"
        click.echo(
            f"{user.email:<{width}}  {user.role:<11}  {state:<11}  last login {last}  {user.name}"
        )


@group.command("role")
@click.argument("email")
@click.argument("role", type=click.Choice([r.value for r in Role]))
def role(email: str, role: str) -> None:
    """Give the account with EMAIL another ROLE (the last active admin keeps theirs)."""
    try:
        user = staff_roles.change_role(user_service.get_by_email(email).id, role, CLI)
    except DomainError as exc:
        raise _fail(exc) from exc
    click.echo(f"{user.email} is now {user.role.value}.")


@group.command("deactivate")
@click.argument("email")
def deactivate(email: str) -> None:
    """Disable the account with EMAIL; its sessions end on their next request."""
    try:
        user = staff_roles.deactivate_user(email, CLI)
    except DomainError as exc:
        raise _fail(exc) from exc
    click.echo(f"Deactivated {user.email}.")


@group.command("reactivate")
@click.argument("email")
def reactivate(email: str) -> None:
    """Let the account with EMAIL sign in again."""
    try:
        user = staff_roles.set_active(user_service.get_by_email(email).id, True, CLI)
    except DomainError as exc:
        raise _fail(exc) from exc
    click.echo(f"Reactivated {user.email}.")


@group.command("reset-password")
@click.argument("email")
@_base_url_option
def reset_password(email: str, base_url: str | None) -> None:
    """Disable the password of EMAIL now, and send a one-time link to set a new one."""
    try:
        user_id = user_service.get_by_email(email).id
        issued = password_links.reset(user_id, link_for=_link_maker(base_url), by=CLI)
    except DomainError as exc:
        raise _fail(exc) from exc
    click.echo(f"The password of {issued.email} no longer works, and its sessions have ended.")
    _report(issued)
