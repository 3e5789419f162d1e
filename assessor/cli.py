"""The `assessor` command: a Flask CLI group with the platform's subcommands."""

from __future__ import annotations

import os
from pathlib import Path

import click
from flask.cli import FlaskGroup, routes_command, shell_command

from assessor import create_app
from assessor.commands import doctor
from assessor.config import PROJECT_ROOT, ensure_dev_secret
from sandbox.cli import sandbox as sandbox_group


@click.group(
    cls=FlaskGroup,
    create_app=create_app,
    add_default_commands=False,  # our `run` also starts the embedded worker
    add_version_option=False,
    load_dotenv=False,
    set_debug_flag=False,
    help="""Assessor: technical interviews graded in hardened Docker sandboxes.

    Settings come from environment variables (DATABASE_URL, QUEUE_URL, SANDBOX_IMAGE,
    CHALLENGES_DIR, SECRET_KEY, ASSESSOR_ENV); see docs/operations.md.

    \b
    First steps on a new install:
      assessor db upgrade                      create or migrate the database
      assessor users create --role admin ...   create the first admin
      assessor doctor                          check the whole install
      assessor run                             serve the platform
    """,
)
def cli() -> None:
    """Run the Assessor platform."""
    # The embedded SQLite database and queue live under instance/; SQLite cannot create the
    # folder itself. Done here rather than in create_app, which must stay free of side effects.
    instance = Path(os.environ.get("ASSESSOR_INSTANCE") or str(PROJECT_ROOT / "instance"))
    instance.mkdir(parents=True, exist_ok=True)
    ensure_dev_secret(instance)


cli.add_command(shell_command)
cli.add_command(routes_command)
# Standalone: building the image and checking the host need no app or database.
cli.add_command(sandbox_group)
# Standalone too: it must run, and say why, when the settings make create_app refuse to start.
cli.add_command(doctor.command)

# The factory is fixed: FlaskGroup's --app and --env-file options would only confuse here.
cli.params = [p for p in cli.params if p.name not in ("app", "env_file")]


def main() -> None:
    """Entry point of the console script."""
    cli(prog_name="assessor")
