"""`assessor demo`: demo staff, an assessment and an invitation for a first look."""

from __future__ import annotations

import secrets

import click
from flask import current_app
from sqlalchemy import select

from assessor.extensions import db
from assessor.models import Assessment, Challenge, Role, User
from assessor.services import assessments, attempts, finalization, invitations
from assessor.services import users as user_service

DEMO_STAFF = (
    ("admin@demo.assessor.test", "Ada Admin", Role.ADMIN),
    ("interviewer@demo.assessor.test", "Ivan Interviewer", Role.INTERVIEWER),
)
DEMO_SLUGS = ("products-rest-api", "token-bucket-limiter", "design-webhook-delivery")


def _ensure_staff(email: str, name: str, role: Role) -> tuple[User, str]:
    # Fresh random passwords on every run: a demo install never has a known default password.
    password = secrets.token_urlsafe(12)
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = user_service.create_user(user_service.NewUser(email, name, role, password))
    else:
        user.set_password(password)
        user.active = True
        db.session.commit()
    return user, password


def _pick_versions() -> list[int]:
    challenges = list(
        db.session.scalars(
            select(Challenge).where(Challenge.retired_at.is_(None)).order_by(Challenge.slug)
        )
    )
    by_slug = {c.slug: c for c in challenges}
    preferred = [by_slug[s] for s in DEMO_SLUGS if s in by_slug] or challenges[:3]
    return [c.current_version_id for c in preferred if c.current_version_id is not None]


@click.command("demo")
@click.option("--base-url", default=None, help="Public address used in the printed links.")
def command(base_url: str | None) -> None:
    """Create demo staff, a demo assessment and an invitation; print how to sign in."""
    base = (base_url or current_app.config["PUBLIC_URL"] or "http://127.0.0.1:5000").rstrip("/")
    logins = [(_ensure_staff(*spec)) for spec in DEMO_STAFF]
    interviewer = logins[1][0]
    click.echo("Demo staff (passwords are new on every run):")
    for user, password in logins:
        click.echo(f"  {user.role.value:<11} {user.email}  password: {password}")
    click.echo(f"  sign in at {base}/login")

    version_ids = _pick_versions()
    if not version_ids:
        click.echo("The catalog is empty: run `assessor challenges sync` first for an assessment.")
        return
    assessment = assessments.create_assessment(
        assessments.NewAssessment(
            title="Demo: senior back-end engineer",
            description="A short demo assessment created by `assessor demo`.",
            duration_minutes=90,
            owner_id=interviewer.id,
            items=[assessments.ItemSpec(version_id=v) for v in version_ids],
        )
    )
    _, token = invitations.create_invitation(
        invitations.NewInvitation(assessment.id, "Casey Candidate", "casey@demo.assessor.test"),
        actor_id=interviewer.id,
    )
    submitted = _submitted_attempt(assessment, interviewer.id)
    click.echo(
        f"Demo assessment #{assessment.id} with {len(version_ids)} challenge(s): "
        f"{base}/assessments/{assessment.id}"
    )
    click.echo(f"  {submitted} has already submitted; the worker grades it when it starts.")
    click.echo(f"Candidate link: {base}/a/{token}")


def _submitted_attempt(assessment: Assessment, actor_id: int) -> str:
    """Create an attempt that took the assessment: references, and one known-wrong answer."""
    attempt, _ = invitations.create_invitation(
        invitations.NewInvitation(assessment.id, "Dana Demo", "dana@demo.assessor.test"),
        actor_id=actor_id,
    )
    attempts.start(attempt.id)
    imperfect = False
    for item in assessment.items:
        version = item.version
        files = dict(version.files.get("solution", {}))
        wrong = version.files.get("wrong", {})
        if wrong and not imperfect:
            # One imperfect answer makes the demo report worth reading.
            files, imperfect = dict(next(iter(wrong.values()))), True
        # Without a reference solution (a design may have none), submit the starter as it is.
        files = files or dict(version.files.get("starter", {}))
        editable = attempts.editable_paths(item)
        files = {p: t for p, t in files.items() if p in editable}
        if files:
            attempts.save_draft(attempt.id, item.id, files, base_revision=0)
    finalization.finish_attempt(attempt.id)
    return attempt.candidate_name
