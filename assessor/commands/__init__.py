"""Subcommands of `assessor`, bound to the app so they share its config and database."""

from __future__ import annotations

from flask import Flask

from assessor.commands import assessments, challenges, demo, invite, serve, users, worker


def register_commands(app: Flask) -> None:
    """Attach every command group to the app's CLI."""
    app.cli.add_command(users.group)
    app.cli.add_command(demo.command)
    app.cli.add_command(worker.command)
    app.cli.add_command(serve.command)
    app.cli.add_command(challenges.group)
    app.cli.add_command(challenges.grade_command)
    app.cli.add_command(assessments.group)
    app.cli.add_command(invite.command)
