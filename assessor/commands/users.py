"""`assessor users`: manage staff accounts."""

from __future__ import annotations

import secrets
import sys

import click

from assessor.models import Role
from assessor.services import DomainError
from assessor.services import users as user_service


@click.group("users", help="Create, list and deactivate staff accounts.")
def group() -> None:
    """Manage staff accounts."""


@group.command("create")
@click.option("--email", required=True, help="Login email (case-insensitive, unique).")
@click.option("--name", required=True, help="Display name.")
@click.option(
    "--role",
    type=click.Choice([r.value for r in Role]),
    required=True,
    help="admin: everything; author: challenges; interviewer: their own assessments.",
)
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

    Without --password-stdin or --generate-password you are prompted twice.
    """
    if password_stdin and generate_password:
        raise click.UsageError("choose one of --password-stdin and --generate-password")
    if generate_password:
        password = secrets.token_urlsafe(18)
    elif password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = user_service.create_user(
            user_service.NewUser(email=email, name=name, role=Role(role), password=password)
        )
    except DomainError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Created {user.role.value} {user.email} (id {user.id}).")
    if generate_password:
        click.echo(f"Password (shown once): {password}")


@group.command("list")
def list_() -> None:
    """List staff accounts with their role and state."""
    rows = user_service.list_users()
    if not rows:
        click.echo("No staff accounts yet. Create one with: assessor users create --role admin")
        return
    width = max(len(u.email) for u in rows)
    for user in rows:
        state = "active" if user.active else "deactivated"
        last = user.last_login_at.strftime("%Y-%m-%d %H:%M") if user.last_login_at else "never"
        click.echo(
            f"{user.email:<{width}}  {user.role.value:<11}  {state:<11}  last login {last}"
            f"  {user.name}"
        )


@group.command("deactivate")
@click.argument("email")
def deactivate(email: str) -> None:
    """Disable the account with EMAIL; its sessions end on their next request."""
    try:
        user = user_service.deactivate_user(email)
    except DomainError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Deactivated {user.email}.")
