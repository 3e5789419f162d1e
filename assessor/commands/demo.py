"""`assessor demo`: demo staff, an assessment and invitations for a first look; safe to re-run.

A second run reuses what the first created: the same staff accounts with the same passwords
(derived from this install's SECRET_KEY, so nothing is stored and no two installs share them),
the same assessment and the same candidate links. Whatever it has to change, it says.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

import click
from flask import current_app
from sqlalchemy import select

from assessor.extensions import db
from assessor.models import (
    Assessment,
    AssessmentStatus,
    Attempt,
    AttemptStatus,
    Challenge,
    Role,
    User,
    utcnow,
)
from assessor.services import (
    DomainError,
    assessments,
    attempts,
    finalization,
    invitation_actions,
    invitations,
    passwords,
    staff_roles,
)
from assessor.services import users as user_service
from assessor.wording import plural

DEMO = user_service.Actor(via="demo")
DEMO_STAFF = (
    ("admin@demo.assessor.test", "Ada Admin", Role.ADMIN),
    ("interviewer@demo.assessor.test", "Ivan Interviewer", Role.INTERVIEWER),
)
DEMO_SLUGS = ("products-rest-api", "token-bucket-limiter", "design-webhook-delivery")
DEMO_TITLE = "Demo: senior back-end engineer"
CASEY = ("Casey Candidate", "casey@demo.assessor.test")
DANA = ("Dana Demo", "dana@demo.assessor.test")


def demo_password(email: str) -> str:
    """Return this install's password for a demo account: stable across runs, never stored."""
    key = current_app.config["SECRET_KEY"].encode("utf-8")
    for n in range(100):
        digest = hmac.new(key, f"assessor-demo-login:{email}:{n}".encode(), hashlib.sha256)
        password = base64.urlsafe_b64encode(digest.digest()[:12]).decode("ascii")
        if passwords.problem(password, email=email) is None:
            return password
    raise RuntimeError("no demo password passes the policy")  # 100 misses: never in practice


def _ensure_staff(email: str, name: str, role: Role) -> tuple[User, str, list[str]]:
    """Create or bring back a demo account; return it, its password and what changed."""
    password = demo_password(email)
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = user_service.create_user(user_service.NewUser(email, name, role, password), by=DEMO)
        return user, password, ["new"]
    changes = []
    if not user.check_password(password):
        # Changed since (in the UI, or SECRET_KEY changed): the printed one works again, and
        # whatever was set since stops working. Audited, and said below.
        user_service.set_password(user.id, password, DEMO)
        changes.append("password reset: the one set since the last `assessor demo` no longer works")
    if not user.active:
        staff_roles.set_active(user.id, True, DEMO)
        changes.append("reactivated")
    if user.role is not role:
        staff_roles.change_role(user.id, role, DEMO)
        changes.append(f"role set back to {role.value}")
    return user, password, changes


def _pick_versions() -> list[int]:
    challenges = list(
        db.session.scalars(
            select(Challenge).where(Challenge.retired_at.is_(None)).order_by(Challenge.slug)
        )
    )
    by_slug = {c.slug: c for c in challenges}
    preferred = [by_slug[s] for s in DEMO_SLUGS if s in by_slug] or challenges[:3]
    return [c.current_version_id for c in preferred if c.current_version_id is not None]


def _demo_assessment(owner_id: int) -> tuple[Assessment | None, bool]:
    """Return the demo assessment, created on the first run; and whether it is new."""
    found = db.session.scalar(
        select(Assessment)
        .where(
            Assessment.title == DEMO_TITLE,
            Assessment.owner_id == owner_id,
            Assessment.status == AssessmentStatus.ACTIVE,
        )
        .order_by(Assessment.id)
    )
    if found is not None:
        return found, False
    version_ids = _pick_versions()
    if not version_ids:
        return None, False
    created = assessments.create_assessment(
        assessments.NewAssessment(
            title=DEMO_TITLE,
            description="A short demo assessment created by `assessor demo`.",
            duration_minutes=90,
            owner_id=owner_id,
            items=[assessments.ItemSpec(version_id=v) for v in version_ids],
        ),
        actor_id=None,
        via="demo",
    )
    return created, True


def _base_url(base_url: str | None, port: int) -> str:
    return (base_url or current_app.config["PUBLIC_URL"] or f"http://127.0.0.1:{port}").rstrip("/")


@click.command("demo")
@click.option("--base-url", default=None, help="Public address used in the printed links.")
@click.option(
    "--port",
    type=int,
    default=5000,
    show_default=True,
    envvar="PORT",
    help="Port of the printed links when neither --base-url nor PUBLIC_URL is set (env: PORT).",
)
def command(base_url: str | None, port: int) -> None:
    """Create demo staff, a demo assessment and invitations; print how to sign in.

    Safe to run again: it reuses the accounts (same passwords), the assessment and the links.
    """
    base = _base_url(base_url, port)
    logins = [_ensure_staff(*spec) for spec in DEMO_STAFF]
    interviewer = logins[1][0]
    click.echo("Demo staff (the same passwords on every run of this install):")
    for user, password, changes in logins:
        note = f"  ({'; '.join(changes)})" if changes else ""
        click.echo(f"  {user.role.value:<11} {user.email}  password: {password}{note}")
    click.echo(f"  sign in at {base}/login")

    assessment, new = _demo_assessment(interviewer.id)
    if assessment is None:
        click.echo("The catalog is empty: run `assessor challenges sync` first for an assessment.")
        return
    state = "created" if new else "already there, reused"
    click.echo(
        f"Demo assessment #{assessment.id} with {plural(len(assessment.items), 'challenge')} "
        f"({state}): "
        f"{base}/assessments/{assessment.id}"
    )
    click.echo(f"  {_dana(assessment, interviewer.id)}")
    try:
        link, note = _casey_link(assessment, interviewer.id, base)
    except DomainError as exc:
        raise click.ClickException(f"cannot invite the demo candidate: {exc}") from exc
    click.echo(f"Candidate link: {link}" + (f"  ({note})" if note else ""))


def _dana(assessment: Assessment, actor_id: int) -> str:
    """Make sure one candidate has submitted, so a report exists; say where she stands."""
    name, email = DANA
    if invitations.live_invitations(assessment.id, [email]):
        return f"{name} submitted on an earlier run; open her report from the assessment page."
    attempt, _ = invitations.create_invitations(
        [invitations.NewInvitation(assessment.id, name, email)], actor_id=actor_id, via="demo"
    )[0]
    _submit_answers(attempt.id)
    return f"{name} has already submitted; the worker grades it when it starts."


def _submit_answers(attempt_id: int) -> None:
    """Take the assessment as a candidate would: references, and one known-wrong answer."""
    attempt = attempts.start(attempt_id)
    imperfect = False
    for item in attempt.assessment.items:
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
            attempts.save_draft(attempt_id, item.id, files, base_revision=0)
    finalization.finish_attempt(attempt_id)


def _casey_link(assessment: Assessment, actor_id: int, base: str) -> tuple[str, str]:
    """Return an open candidate link: the same one as on the last run while it still works."""
    name = CASEY[0]
    emails = _casey_emails()
    taken = invitations.live_invitations(assessment.id, emails)
    usable = [a for a in taken.values() if _open(a)]
    if usable:
        attempt = max(usable, key=lambda a: a.id)
        try:
            return invitations.candidate_link(base, invitations.token_of(attempt)), "unchanged"
        except invitations.LinkUnavailable:
            issued = invitation_actions.reissue(
                attempt.id, base, invitation_actions.Actor(None, via="demo"), email=False
            )
            return issued.link, "a new link: SECRET_KEY changed, so the earlier one stopped working"
    # The earlier Casey finished (or the link lapsed): invite a fresh one to look around.
    email = next(e for e in emails if e not in taken)
    note = "" if email == CASEY[1] else f"a new invitation for {email}: the earlier one was used"
    _, token = invitations.create_invitations(
        [invitations.NewInvitation(assessment.id, name, email)], actor_id=actor_id, via="demo"
    )[0]
    return invitations.candidate_link(base, token), note


def _open(attempt: Attempt) -> bool:
    if attempt.status is AttemptStatus.STARTED:
        return attempt.deadline_at is None or attempt.deadline_at > utcnow()
    return attempt.status is AttemptStatus.INVITED and attempt.expires_at > utcnow()


def _casey_emails() -> list[str]:
    local, domain = CASEY[1].split("@")
    return [CASEY[1]] + [f"{local}{n}@{domain}" for n in range(2, 100)]
