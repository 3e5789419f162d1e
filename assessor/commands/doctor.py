"""`assessor doctor`: check the whole install, one line per check with its evidence."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping

import click

from assessor import config as settings
from assessor.services import health, health_sandbox, health_settings
from assessor.services.health import Finding, Status
from assessor.wording import plural

MARKS = {
    Status.OK: click.style(" ok ", fg="green"),
    Status.WARN: click.style("warn", fg="yellow"),
    Status.FAIL: click.style("FAIL", fg="red"),
    Status.SKIP: click.style("skip", fg="bright_black"),
}


def run_checks(
    env: Mapping[str, str],
    *,
    grading_host: bool = True,
    enforcement: bool = False,
    start_pair: bool = False,
) -> list[Finding]:
    """Load the settings from `env` and check everything they point at, in a fixed order."""
    try:
        config = settings.load(env)
    except settings.ConfigurationError as exc:
        # create_app would refuse the same way: nothing else can be checked until this is fixed.
        return [Finding("settings", Status.FAIL, f"{exc}; the app refuses to start")]
    findings = health_settings.settings(config, env)
    findings += health.database(config["SQLALCHEMY_DATABASE_URI"])
    findings.append(health.queue(config["QUEUE_URL"]))
    if grading_host:
        findings += health_sandbox.sandbox_host(
            config, enforcement=enforcement, start_pair=start_pair
        )
        findings.append(health_sandbox.library(config))
    else:
        findings.append(Finding("sandbox", Status.SKIP, "--no-sandbox: a host that grades nothing"))
    findings.append(health.mail(config))
    return findings


@click.command("doctor")
@click.option(
    "--enforcement",
    is_flag=True,
    help="Also prove every sandbox limit holds by running probe jobs (about 20 s; the checks of "
    "`assessor sandbox doctor`).",
)
@click.option(
    "--start-pair",
    is_flag=True,
    help="Also start one warm container pair, as a worker's pool does, then remove it.",
)
@click.option(
    "--no-sandbox",
    is_flag=True,
    help="Skip the grading host's checks (engine, image, pool, library): for a web-only host.",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document for machines.")
def command(enforcement: bool, start_pair: bool, no_sandbox: bool, as_json: bool) -> None:
    """Check the install and exit 1 if anything fails.

    One line per check, with its evidence and, on failure, the command that fixes it:
    the settings (in production: the secret's strength, PUBLIC_URL, secure cookies, rate
    limits), the database and its migrations, the queue (QUEUE_URL), the Docker engine and
    the sandbox image, the warm pool, the challenge library, and SMTP if MAIL_SERVER is set
    (connect, EHLO, STARTTLS, login: no message is sent). Warnings do not fail the run.

    \b
    Run it after installing, upgrading or restoring a backup, on every host:
      assessor doctor                      a worker host (or the embedded default)
      assessor doctor --no-sandbox         a web-only host
      assessor doctor --enforcement        also attack every sandbox limit
    """
    findings = run_checks(
        os.environ,
        grading_host=not no_sandbox,
        enforcement=enforcement,
        start_pair=start_pair,
    )
    failed = sum(f.status is Status.FAIL for f in findings)
    warned = sum(f.status is Status.WARN for f in findings)
    if as_json:
        checks = [{"name": f.name, "status": str(f.status), "detail": f.detail} for f in findings]
        click.echo(json.dumps({"ok": not failed, "checks": checks}, indent=2))
    else:
        for finding in findings:
            click.echo(f"[{MARKS[finding.status]}] {finding.name}: {finding.detail}")
        warnings = f" ({plural(warned, 'warning')})" if warned else ""
        if failed:
            click.echo(f"{plural(failed, 'check')} failed{warnings}.", err=True)
        else:
            click.echo(f"All checks passed{warnings}.")
    if failed:
        sys.exit(1)
