"""`assessor run`: serve the platform, with an embedded worker on the single-machine default."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import click
from flask import current_app
from flask.cli import with_appcontext
from werkzeug.serving import run_simple


def start_worker() -> subprocess.Popen:
    """Start `assessor worker` as a child process sharing this environment."""
    return subprocess.Popen([sys.executable, "-m", "assessor", "worker"], env=dict(os.environ))


@click.command("run")
@click.option("--host", "-h", default="127.0.0.1", show_default=True, help="Interface to bind.")
@click.option("--port", "-p", default=5000, show_default=True, type=int, help="Port to bind.")
@click.option(
    "--worker/--no-worker",
    default=None,
    help="Also run a grading worker in a child process. Default: on unless ASSESSOR_ENV="
    "production or EMBEDDED_WORKER=0.",
)
@click.option("--debug", is_flag=True, help="Flask debug mode (tracebacks in the browser).")
@with_appcontext
def command(host: str, port: int, worker: bool | None, debug: bool) -> None:
    """Serve the platform (development server) and, by default, a grading worker.

    In production run `gunicorn "assessor:create_app()"` and `assessor worker` instead
    (see docs/operations.md).
    """
    app = current_app._get_current_object()
    app.debug = debug
    embedded = app.config["EMBEDDED_WORKER"] if worker is None else worker
    child = start_worker() if embedded else None
    # SIGTERM must unwind through `finally`, or the embedded worker would outlive us.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    click.echo(
        f"Serving on http://{host}:{port}"
        + (f" with an embedded worker (pid {child.pid})" if child else "")
    )
    try:
        # run_simple, not app.run: Flask ignores app.run() inside its own CLI commands.
        run_simple(host, port, app, use_debugger=debug, use_reloader=False, threaded=True)
    finally:
        if child is not None:
            child.terminate()
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                child.kill()
