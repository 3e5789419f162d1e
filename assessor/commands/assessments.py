"""`assessor assessments`: create and list assessments from scripts (the UI's services)."""

from __future__ import annotations

import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from assessor.models import AssessmentStatus
from assessor.services import DomainError, assessment_views, assessments
from assessor.services import users as user_service
from assessor.services.permissions import Permission, can
from assessor.wording import plural

STATUSES = [s.value for s in AssessmentStatus]


@click.group("assessments", help="Create and list assessments (the same services as the web UI).")
def group() -> None:
    """Create and list assessments."""


def _challenge(value: str) -> assessments.ItemSpec:
    slug, _, weight = value.partition(":")
    try:
        return assessments.ItemSpec(slug=slug.strip(), weight=float(weight) if weight else 1.0)
    except ValueError:
        raise click.BadParameter(
            f"{value!r}: write SLUG or SLUG:WEIGHT, e.g. sql-report:2"
        ) from None


@group.command("create")
@click.option("--title", required=True, help="What interviewers and candidates see.")
@click.option(
    "--duration",
    type=click.IntRange(1, assessments.MAX_DURATION_MINUTES),
    required=True,
    help="The candidate's time limit, in minutes (extra time is set per invitation).",
)
@click.option(
    "--challenge",
    "challenges",
    multiple=True,
    required=True,
    metavar="SLUG[:WEIGHT]",
    help="A challenge of the catalog, by slug, with an optional weight (default 1). "
    "Repeat it: candidates see the challenges in this order. `assessor challenges list` "
    "shows the slugs.",
)
@click.option("--owner", "owner_email", required=True, help="Email of the owning interviewer.")
@click.option("--description", default="", help="Markdown shown to candidates before they start.")
@click.option(
    "--description-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Read the description from a Markdown file instead.",
)
@click.option(
    "--time-budget",
    type=click.IntRange(1, assessments.MAX_DURATION_MINUTES),
    default=None,
    help="Planned minutes for the challenges, shown beside their own estimates.",
)
@click.option("--blind-review", is_flag=True, help="Reviewers see others' scorecards after theirs.")
@click.option("--hide-identity", is_flag=True, help="With --blind-review: hide candidates' names.")
@click.option("--json", "as_json", is_flag=True, help="Print the new assessment as JSON.")
@with_appcontext
def create(
    title: str,
    duration: int,
    challenges: tuple[str, ...],
    owner_email: str,
    description: str,
    description_file: Path | None,
    time_budget: int | None,
    blind_review: bool,
    hide_identity: bool,
    as_json: bool,
) -> None:
    """Create an assessment of catalog challenges, owned by an interviewer.

    Each challenge takes its current version. Versions are pinned when the first candidate is
    invited (`assessor invite`); until then, edits in the web UI follow the library.

    \b
    Example:
      assessor assessments create --title "Senior back-end, round 1" --duration 90 \\
        --challenge products-rest-api:2 --challenge design-webhook-delivery \\
        --owner ivan@example.com
    """
    if description_file is not None:
        description = description_file.read_text(encoding="utf-8")
    try:
        owner = user_service.get_by_email(owner_email)
        if not can(owner, Permission.CREATE_ASSESSMENT):
            what = f"an {owner.role.value}" if owner.active else "deactivated"
            raise DomainError(
                f"{owner.email} is {what}: only active interviewers and admins own assessments"
            )
        created = assessments.create_assessment(
            assessments.NewAssessment(
                title=title,
                duration_minutes=duration,
                owner_id=owner.id,
                items=[_challenge(c) for c in challenges],
                description=description,
                time_budget_minutes=time_budget,
                blind_review=blind_review,
                hide_identity=hide_identity,
            ),
            actor_id=None,
            via="cli",
        )
    except DomainError as exc:
        raise click.ClickException(str(exc)) from exc
    [row] = [r for r in assessment_views.list_assessments(None) if r.id == created.id]
    if as_json:
        click.echo(json.dumps(_as_dict(row), indent=2))
        return
    base = current_app.config["PUBLIC_URL"] or "http://127.0.0.1:5000"
    click.echo(
        f"Created assessment #{row.id} “{row.title}”: {plural(len(row.challenges), 'challenge')}, "
        f"{row.duration_minutes} minutes, owned by {row.owner_email}."
    )
    for position, name in enumerate(row.challenges, 1):
        click.echo(f"  {position}. {name}")
    click.echo(
        f"Open it at {base}/assessments/{row.id}; versions are pinned at the first invitation."
    )


@group.command("list")
@click.option(
    "--status",
    type=click.Choice([*STATUSES, "all"]),
    default="all",
    show_default=True,
    help="Only assessments in this state.",
)
@click.option("--owner", "owner_email", default=None, help="Only those this email owns.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array instead of a table.")
@with_appcontext
def list_(status: str, owner_email: str | None, as_json: bool) -> None:
    """List assessments: id, title, status, owner, challenges and attempts (newest first)."""
    statuses = None if status == "all" else [AssessmentStatus(status)]
    rows = assessment_views.list_assessments(None, statuses=statuses)
    if owner_email:
        rows = [r for r in rows if r.owner_email == user_service.normalize_email(owner_email)]
    if as_json:
        click.echo(json.dumps([_as_dict(r) for r in rows], indent=2))
        return
    if not rows:
        click.echo("No assessments. Create one with: assessor assessments create --help")
        return
    width = min(40, max(len(r.title) for r in rows))
    head = f"{'ID':>4}  {'TITLE':<{width}}  {'STATUS':<16}  {'OWNER':<28}"
    click.echo(f"{head}  {'CHALLENGES':>10}  ATTEMPTS")
    for r in rows:
        state = r.status + (", pinned" if r.pinned else "")
        title = r.title if len(r.title) <= width else r.title[: width - 1] + "…"
        click.echo(
            f"{r.id:>4}  {title:<{width}}  {state:<16}  {r.owner_email:<28}  "
            f"{len(r.challenges):>10}  {r.attempts:>8}"
        )


def _as_dict(row: assessment_views.Row) -> dict:
    return {
        "id": row.id,
        "title": row.title,
        "status": row.status,
        "pinned": row.pinned,
        "owner": row.owner_email,
        "duration_minutes": row.duration_minutes,
        "challenges": [
            {"slug": slug, "title": title}
            for slug, title in zip(row.slugs, row.challenges, strict=True)
        ],
        "attempts": row.attempts,
        "created_at": row.created_at.isoformat(),
    }
