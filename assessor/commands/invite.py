"""`assessor invite`: invite one candidate, or every row of a CSV file (the UI's services)."""

from __future__ import annotations

import sys
from typing import TextIO

import click
from flask import current_app

from assessor.services import DomainError, invitation_actions, mail
from assessor.services.access import manageable_assessment
from assessor.services.invitation_import import check_lines
from assessor.services.invitations import (
    MAX_EXTRA_MINUTES,
    MAX_VALID_DAYS,
    NewInvitation,
    inviting_assessment,
)
from assessor.services.users import get_by_email
from assessor.wording import plural

EXIT_REJECTED = 1  # nothing was invited: fix the rows (or the options) and run again
EXIT_MAIL_FAILED = 3  # everyone was invited, but some emails failed: send those links yourself
MAIL_WORDS = {
    "sent": "emailed",
    "not_sent": "not emailed: no mail server (MAIL_SERVER)",
    "failed": "EMAIL FAILED",
    None: "not emailed (--no-email)",
}


@click.command(
    "invite",
    epilog=(
        "CSV columns: name,email[,extra_minutes]; a header row, blank lines and # comments are "
        "ignored; tabs or semicolons also separate fields. No one is invited unless every row "
        "is valid. Exit status: 0 when everyone was invited; 1 when nothing was invited (each "
        "problem is printed with its line); 3 when everyone was invited but some emails failed "
        "(their links are printed: send them yourself, or resend from the invitation's page)."
    ),
)
@click.option("--assessment", "assessment_id", type=int, required=True, help="The assessment's id.")
@click.option("--name", help="The candidate's name (one candidate).")
@click.option("--email", help="The candidate's email address (one candidate).")
@click.option(
    "--csv",
    "csv_file",
    type=click.File("r", encoding="utf-8-sig"),  # -sig: spreadsheets often write a BOM
    help="Invite every row of this CSV file ('-' reads standard input).",
)
@click.option(
    "--extra-minutes",
    type=click.IntRange(0, MAX_EXTRA_MINUTES),
    default=0,
    show_default=True,
    help="Extra time (accommodations); a CSV row's own extra_minutes wins.",
)
@click.option(
    "--days",
    type=click.IntRange(1, MAX_VALID_DAYS),
    help="How many days the links stay valid.  [default: INVITATION_DAYS]",
)
@click.option(
    "--skip-invited",
    is_flag=True,
    help="Leave out people already invited to the assessment instead of refusing the file.",
)
@click.option("--no-email", is_flag=True, help="Do not email the invitations; print the links.")
@click.option(
    "--by",
    "by_email",
    help="Record this staff member as the inviter; they must be able to manage the assessment.",
)
@click.option(
    "--base-url",
    help="The address candidates reach.  [default: PUBLIC_URL, else http://127.0.0.1:5000]",
)
def command(
    assessment_id: int,
    name: str | None,
    email: str | None,
    csv_file: TextIO | None,
    extra_minutes: int,
    days: int | None,
    skip_invited: bool,
    no_email: bool,
    by_email: str | None,
    base_url: str | None,
) -> None:
    """Invite candidates to an assessment and print each one's link.

    One candidate: --name and --email. Several: --csv FILE. Emails go out when a mail server
    is configured (MAIL_SERVER); every link is printed either way, and can be copied again
    later from the invitation's page.
    """
    if csv_file is not None and (name or email):
        raise click.UsageError("give either --csv, or --name and --email")
    if csv_file is None and not (name and email):
        raise click.UsageError("give --name and --email for one candidate, or --csv FILE")
    base = base_url or current_app.config["PUBLIC_URL"] or "http://127.0.0.1:5000"
    try:
        actor = _actor(by_email, assessment_id)
        title = inviting_assessment(assessment_id).title
        if csv_file is not None:
            checked = check_lines(
                assessment_id,
                csv_file.read(),
                extra_minutes=extra_minutes,
                valid_days=days,
                skip_invited=skip_invited,
            )
            for skipped in checked.skipped:
                click.echo(f"line {skipped.line}: skipped, {skipped.problem}")
            if checked.problems:
                rows = plural(len(checked.problems), "row")
                click.echo(f"Nothing was invited: {rows} to fix.", err=True)
                for problem in checked.problems:
                    click.echo(f"line {problem.line}: {problem.problem}", err=True)
                sys.exit(EXIT_REJECTED)
            batch = checked.ready
        else:
            batch = [NewInvitation(assessment_id, name, email, extra_minutes, days)]
        if not batch:
            click.echo("Everyone in the file is already invited: no one was added.")
            return
        invited = invitation_actions.invite(batch, base, actor, email=not no_email)
    except DomainError as exc:
        raise click.ClickException(str(exc)) from exc
    _report(title, assessment_id, invited, emailed=not no_email)


def _actor(by_email: str | None, assessment_id: int) -> invitation_actions.Actor:
    if not by_email:
        return invitation_actions.Actor(None, via="cli")
    user = get_by_email(by_email)
    manageable_assessment(user, assessment_id)  # a viewer or a stranger may not be the inviter
    return invitation_actions.Actor(user.id, via="cli")


def _report(title: str, assessment_id: int, invited, *, emailed: bool) -> None:
    who = plural(len(invited), "candidate")
    click.echo(f'Invited {who} to "{title}" (assessment {assessment_id}):')
    for row in invited:
        words = MAIL_WORDS[row.mail_status]
        if row.mail_error:
            words += f" ({row.mail_error})"
        click.echo(f"  {row.name} <{row.email}>  [{words}]  {row.link}")
    if emailed and not mail.configured():
        click.echo("No mail server is configured: send each candidate their link yourself.")
    if any(row.mail_status == "failed" for row in invited):
        click.echo(
            "Some emails failed; those invitations stand: send their links yourself.", err=True
        )
        sys.exit(EXIT_MAIL_FAILED)
