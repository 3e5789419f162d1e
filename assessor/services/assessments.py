"""Compose assessments: create, edit, pin, duplicate, archive and restore them.

Before the first invitation an assessment follows the library: every edit (and pinning itself)
re-selects each challenge's current version. Pinning fixes the challenges, their versions, their
weights and the duration; from then on only the title, description and review settings change,
so no edit ever changes what an invited candidate gets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import exists, select

from assessor.extensions import db
from assessor.models import (
    Assessment,
    AssessmentItem,
    AssessmentStatus,
    Attempt,
    Challenge,
    ChallengeVersion,
    utcnow,
)
from assessor.services import Conflict, DomainError, NotFound, audit

MAX_DURATION_MINUTES = 8 * 60
MAX_ITEMS = 20
MAX_WEIGHT = 100.0
MAX_TITLE = 200
MAX_DESCRIPTION = 20_000
_OWNER: Any = object()  # default actor of create_assessment: the owner, as before


class AssessmentPinned(Conflict):
    """Candidates were invited: the challenges, versions, weights and duration are fixed."""


@dataclass(frozen=True)
class ItemSpec:
    """One challenge: a version id, or a slug meaning that challenge's current version."""

    version_id: int | None = None
    weight: float = 1.0
    slug: str | None = None


@dataclass(frozen=True)
class Details:
    """What may change at any time: nothing here changes what a candidate is graded on."""

    title: str
    description: str = ""
    time_budget_minutes: int | None = None
    blind_review: bool = False
    hide_identity: bool = False


@dataclass(frozen=True)
class Composition:
    """What pinning fixes: the ordered, weighted challenges and the duration."""

    duration_minutes: int
    items: list[ItemSpec] = field(default_factory=list)


@dataclass(frozen=True)
class NewAssessment:
    title: str
    duration_minutes: int
    owner_id: int
    items: list[ItemSpec] = field(default_factory=list)
    description: str = ""
    status: AssessmentStatus = AssessmentStatus.ACTIVE
    time_budget_minutes: int | None = None
    blind_review: bool = False
    hide_identity: bool = False

    @property
    def details(self) -> Details:
        return Details(
            self.title,
            self.description,
            self.time_budget_minutes,
            self.blind_review,
            self.hide_identity,
        )


def create_assessment(
    new: NewAssessment, *, actor_id: int | None = _OWNER, ip: str | None = None, via: str = ""
) -> Assessment:
    """Create an assessment of the given challenges, in order; the owner is the actor by default."""
    assessment = Assessment(owner_id=new.owner_id, status=new.status)
    _apply_details(assessment, new.details)
    _apply_composition(assessment, Composition(new.duration_minutes, new.items))
    db.session.add(assessment)
    db.session.flush()
    actor = new.owner_id if actor_id is _OWNER else actor_id
    audit.record(
        "assessment.create", actor_id=actor, target=assessment, ip=ip, **_summary(assessment, via)
    )
    db.session.commit()
    return assessment


def update_assessment(
    assessment_id: int,
    details: Details,
    composition: Composition | None = None,
    *,
    actor_id: int | None,
    ip: str | None = None,
) -> Assessment:
    """Change an assessment; a pinned one refuses any change to its composition."""
    assessment = _load(assessment_id, lock=True)
    before = _summary(assessment) | {"description": assessment.description}
    try:
        _apply_details(assessment, details)
        if is_pinned(assessment):
            if composition is not None and _challenges_of(assessment) != _challenges_in(
                composition
            ):
                raise AssessmentPinned(
                    "Candidates have been invited: the challenges, their versions and weights, "
                    "and the duration can no longer change. Duplicate the assessment to change "
                    "them."
                )
        elif composition is not None:
            _apply_composition(assessment, composition)
        else:
            _follow_current_versions(assessment)
    except DomainError:
        db.session.rollback()
        raise
    db.session.flush()
    after = _summary(assessment)
    changed = sorted(
        k for k, v in (after | {"description": assessment.description}).items() if before[k] != v
    )
    if changed:  # a save that changes nothing is no event
        audit.record(
            "assessment.update",
            actor_id=actor_id,
            target=assessment,
            ip=ip,
            changed=changed,
            **after,
        )
    db.session.commit()
    return assessment


def is_pinned(assessment: Assessment) -> bool:
    """Tell whether the composition is fixed: pinned, or (older rows) any candidate invited."""
    if assessment.pinned_at is not None:
        return True
    return bool(db.session.scalar(select(exists().where(Attempt.assessment_id == assessment.id))))


def pin(
    assessment_id: int,
    *,
    actor_id: int | None = None,
    ip: str | None = None,
    via: str | None = None,
    commit: bool = True,
) -> Assessment:
    """Fix the challenges' versions and the duration before the first invitation; idempotent.

    Call it before creating an invitation. With commit=False the pin joins the caller's
    transaction, so an invitation that is then refused pins nothing.
    """
    assessment = _load(assessment_id, lock=True)
    if assessment.pinned_at is not None:
        return assessment
    if not is_pinned(assessment):  # invited before pinning existed: keep what they were given
        _follow_current_versions(assessment)
        retired = [i.version.title for i in assessment.items if i.version.challenge.retired]
        if retired:
            db.session.rollback()
            raise DomainError(
                f"{', '.join(retired)} was retired from the library: "
                "remove it from the assessment before inviting candidates."
            )
    if not assessment.items:
        db.session.rollback()
        raise DomainError("an assessment needs at least one challenge")
    assessment.pinned_at = utcnow()
    audit.record(
        "assessment.pin",
        actor_id=actor_id,
        target=assessment,
        ip=ip,
        versions=[i.challenge_version_id for i in assessment.items],
        duration_minutes=assessment.duration_minutes,
        **({"via": via} if via else {}),
    )
    if commit:
        db.session.commit()
    else:
        db.session.flush()
    return assessment


def duplicate(assessment_id: int, *, actor_id: int, ip: str | None = None) -> Assessment:
    """Copy an assessment, unpinned and owned by the actor, on the challenges' current versions."""
    source = _load(assessment_id)
    copy = Assessment(owner_id=actor_id, status=AssessmentStatus.ACTIVE)
    _apply_details(
        copy,
        Details(
            ("Copy of " + source.title)[:MAX_TITLE],
            source.description,
            source.time_budget_minutes,
            source.blind_review,
            source.hide_identity,
        ),
    )
    copy.duration_minutes = source.duration_minutes
    for position, item in enumerate(source.items):
        copy.items.append(
            AssessmentItem(
                position=position,
                challenge_version_id=item.challenge_version_id,
                weight=item.weight,
            )
        )
    db.session.add(copy)
    db.session.flush()
    _follow_current_versions(copy)
    audit.record(
        "assessment.duplicate",
        actor_id=actor_id,
        target=copy,
        ip=ip,
        source_id=source.id,
        **_summary(copy),
    )
    db.session.commit()
    return copy


def archive(assessment_id: int, *, actor_id: int | None, ip: str | None = None) -> Assessment:
    """Hide an assessment from active lists and refuse new invitations; restorable."""
    return _set_status(assessment_id, AssessmentStatus.ARCHIVED, "assessment.archive", actor_id, ip)


def restore(assessment_id: int, *, actor_id: int | None, ip: str | None = None) -> Assessment:
    """Bring an archived assessment back: listed again, and open to invitations."""
    return _set_status(assessment_id, AssessmentStatus.ACTIVE, "assessment.unarchive", actor_id, ip)


def _set_status(
    assessment_id: int, status: AssessmentStatus, action: str, actor_id: int | None, ip: str | None
) -> Assessment:
    assessment = _load(assessment_id)
    if assessment.status is status:
        return assessment  # a second click changes nothing and logs nothing
    previous = assessment.status
    assessment.status = status
    audit.record(action, actor_id=actor_id, target=assessment, ip=ip, previous=previous.value)
    db.session.commit()
    return assessment


def _load(assessment_id: int, *, lock: bool = False) -> Assessment:
    query = select(Assessment).where(Assessment.id == assessment_id)
    if lock:  # two invitations racing to pin, or an edit racing a pin: one at a time
        query = query.with_for_update()
    assessment = db.session.scalar(query)
    if assessment is None:
        raise NotFound(f"no assessment with id {assessment_id}")
    return assessment


def _apply_details(assessment: Assessment, details: Details) -> None:
    title = details.title.strip()
    if not title:
        raise DomainError("title must not be empty")
    if len(title) > MAX_TITLE:
        raise DomainError(f"title must be at most {MAX_TITLE} characters")
    if len(details.description) > MAX_DESCRIPTION:
        raise DomainError(f"description must be at most {MAX_DESCRIPTION} characters")
    budget = details.time_budget_minutes
    if budget is not None and not 1 <= budget <= MAX_DURATION_MINUTES:
        raise DomainError(f"time budget must be between 1 and {MAX_DURATION_MINUTES} minutes")
    assessment.title = title
    assessment.description = details.description
    assessment.time_budget_minutes = budget
    assessment.blind_review = details.blind_review
    # Hiding names only makes sense while scorecards are blind; it never applies alone.
    assessment.hide_identity = details.blind_review and details.hide_identity


def _resolved(composition: Composition) -> tuple[int, list[tuple[int, float]]]:
    """Check a composition and map it to (duration, [(version id, weight)])."""
    if not 1 <= composition.duration_minutes <= MAX_DURATION_MINUTES:
        raise DomainError(f"duration must be between 1 and {MAX_DURATION_MINUTES} minutes")
    if not composition.items:
        raise DomainError("an assessment needs at least one challenge")
    if len(composition.items) > MAX_ITEMS:
        raise DomainError(f"an assessment holds at most {MAX_ITEMS} challenges")
    pairs = []
    for spec in composition.items:
        if not 0 < spec.weight <= MAX_WEIGHT:
            raise DomainError(f"weights must be above 0 and at most {MAX_WEIGHT:g}")
        pairs.append((_version_of(spec), float(spec.weight)))
    versions = [db.session.get(ChallengeVersion, v) for v, _ in pairs]
    challenges = [v.challenge_id for v in versions]
    if len(set(challenges)) != len(challenges):
        dup = next(v for v in versions if challenges.count(v.challenge_id) > 1)
        raise DomainError(f"{dup.title} appears twice")
    return composition.duration_minutes, pairs


def _version_of(spec: ItemSpec) -> int:
    if spec.version_id is not None:
        if db.session.get(ChallengeVersion, spec.version_id) is None:
            raise NotFound(f"no challenge version with id {spec.version_id}")
        return spec.version_id
    challenge = db.session.scalar(select(Challenge).where(Challenge.slug == (spec.slug or "")))
    if challenge is None or challenge.current_version_id is None:
        raise NotFound(f"no challenge {spec.slug!r} in the catalog")
    if challenge.retired:
        raise DomainError(f"{challenge.title} was retired from the library")
    return challenge.current_version_id


def _challenges_of(assessment: Assessment) -> tuple[int, list[tuple[int, float]]]:
    pairs = [(i.version.challenge_id, float(i.weight)) for i in assessment.items]
    return assessment.duration_minutes, pairs


def _challenges_in(composition: Composition) -> tuple[int, list[tuple[int | None, float]]]:
    pairs = []
    for spec in composition.items:
        if spec.version_id is not None:
            version = db.session.get(ChallengeVersion, spec.version_id)
            challenge_id = version.challenge_id if version else None
        else:
            challenge_id = db.session.scalar(
                select(Challenge.id).where(Challenge.slug == (spec.slug or ""))
            )
        pairs.append((challenge_id, float(spec.weight)))
    return composition.duration_minutes, pairs


def _apply_composition(assessment: Assessment, composition: Composition) -> None:
    duration, pairs = _resolved(composition)
    assessment.duration_minutes = duration
    if [(i.challenge_version_id, float(i.weight)) for i in assessment.items] == pairs:
        return
    # Not pinned, so no candidate, draft or submission refers to these rows: replace them.
    assessment.items.clear()
    if assessment.id is not None:
        db.session.flush()  # the old positions must be gone before new ones reuse them
    for position, (version_id, weight) in enumerate(pairs):
        assessment.items.append(
            AssessmentItem(position=position, challenge_version_id=version_id, weight=weight)
        )


def _follow_current_versions(assessment: Assessment) -> None:
    """Move each item to its challenge's current version (a retired one keeps its own)."""
    for item in assessment.items:
        current = item.version.challenge.current_version_id
        if current is not None and current != item.challenge_version_id:
            item.challenge_version_id = current
            db.session.flush()
            db.session.expire(item, ["version"])


def _summary(assessment: Assessment, via: str = "") -> dict[str, Any]:
    summary: dict[str, Any] = {
        "title": assessment.title,
        "duration_minutes": assessment.duration_minutes,
        "time_budget_minutes": assessment.time_budget_minutes,
        "blind_review": assessment.blind_review,
        "hide_identity": assessment.hide_identity,
        "items": [[i.challenge_version_id, float(i.weight)] for i in assessment.items],
    }
    if via:
        summary["via"] = via
    return summary
