"""Assessments as staff list and edit them: plain view data, built for one viewer."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import defer, joinedload, selectinload

from assessor.extensions import db
from assessor.models import (
    Assessment,
    AssessmentItem,
    AssessmentShare,
    AssessmentStatus,
    Attempt,
    ChallengeVersion,
    ShareAccess,
    User,
)
from assessor.services.assessments import is_pinned
from assessor.services.permissions import Permission, can, visible_assessments_filter


@dataclasses.dataclass(frozen=True)
class Row:
    """One assessment in a list."""

    id: int
    title: str
    status: str
    owner: str
    owner_email: str
    access: str  # owner | editor | viewer | admin (what the viewer may do), "" for the CLI
    challenges: tuple[str, ...]  # titles, in order
    slugs: tuple[str, ...]
    minutes: int  # the challenges' summed `minutes`
    duration_minutes: int
    attempts: int
    pinned: bool
    created_at: datetime


@dataclasses.dataclass(frozen=True)
class ItemView:
    """One challenge of an assessment, with what pinning holds or would change."""

    slug: str
    title: str
    kind_description: str
    minutes: int
    weight: float
    version_id: int
    version_hash: str
    newer_hash: str | None  # the library's current version, when it differs
    retired: bool


@dataclasses.dataclass(frozen=True)
class AssessmentView:
    id: int
    title: str
    description: str  # Markdown; the web layer renders and sanitizes it
    status: str
    owner: str
    duration_minutes: int
    time_budget_minutes: int | None
    blind_review: bool
    hide_identity: bool
    pinned: bool
    pinned_at: datetime | None
    attempts: int
    items: tuple[ItemView, ...]
    can_manage: bool
    access: str

    @property
    def minutes(self) -> int:
        return sum(i.minutes for i in self.items)


def list_assessments(
    viewer: User | None, *, statuses: Iterable[AssessmentStatus] | None = None
) -> list[Row]:
    """Return the assessments a viewer may see (every one for the CLI's None), newest first."""
    query = (
        select(Assessment)
        .options(
            joinedload(Assessment.owner),
            # Titles and minutes, not every file of every challenge version.
            selectinload(Assessment.items)
            .joinedload(AssessmentItem.version)
            .options(defer(ChallengeVersion.files), joinedload(ChallengeVersion.challenge)),
        )
        .order_by(Assessment.created_at.desc(), Assessment.id.desc())
    )
    if viewer is not None:
        if not can(viewer, Permission.VIEW_ASSESSMENT):
            return []
        query = query.where(visible_assessments_filter(viewer))
    if statuses is not None:
        query = query.where(Assessment.status.in_(list(statuses)))
    assessments = db.session.scalars(query).unique().all()
    counts = _attempt_counts([a.id for a in assessments])
    shares = _shares_of(viewer)
    return [
        Row(
            id=a.id,
            title=a.title,
            status=a.status.value,
            owner=a.owner.name,
            owner_email=a.owner.email,
            access=_access(viewer, a, shares),
            challenges=tuple(i.version.title for i in a.items),
            slugs=tuple(i.version.challenge.slug for i in a.items),
            minutes=sum(i.version.minutes for i in a.items),
            duration_minutes=a.duration_minutes,
            attempts=counts.get(a.id, 0),
            pinned=a.pinned_at is not None or counts.get(a.id, 0) > 0,
            created_at=a.created_at,
        )
        for a in assessments
    ]


def assessment_view(viewer: User, assessment_id: int) -> AssessmentView:
    """Describe one assessment for its edit and sharing pages (the caller checked access)."""
    assessment = db.session.get(Assessment, assessment_id)
    pinned = is_pinned(assessment)
    return AssessmentView(
        id=assessment.id,
        title=assessment.title,
        description=assessment.description or "",
        status=assessment.status.value,
        owner=assessment.owner.name,
        duration_minutes=assessment.duration_minutes,
        time_budget_minutes=assessment.time_budget_minutes,
        blind_review=assessment.blind_review,
        hide_identity=assessment.hide_identity,
        pinned=pinned,
        pinned_at=assessment.pinned_at,
        attempts=_attempt_counts([assessment.id]).get(assessment.id, 0),
        items=tuple(_item_view(i) for i in assessment.items),
        can_manage=can(viewer, Permission.MANAGE_ASSESSMENT, assessment),
        access=_access(viewer, assessment, _shares_of(viewer)),
    )


def _item_view(item: AssessmentItem) -> ItemView:
    version: ChallengeVersion = item.version
    challenge = version.challenge
    current = challenge.current_version
    newer = current.content_hash if current is not None and current.id != version.id else None
    return ItemView(
        slug=challenge.slug,
        title=version.title,
        kind_description=version.kind_plugin.description,
        minutes=version.minutes,
        weight=float(item.weight),
        version_id=version.id,
        version_hash=version.content_hash,
        newer_hash=newer,
        retired=challenge.retired,
    )


def _attempt_counts(ids: list[int]) -> dict[int, int]:
    if not ids:
        return {}
    rows = db.session.execute(
        select(Attempt.assessment_id, func.count(Attempt.id))
        .where(Attempt.assessment_id.in_(ids))
        .group_by(Attempt.assessment_id)
    )
    return dict(rows.all())


def _shares_of(viewer: User | None) -> dict[int, ShareAccess]:
    if viewer is None:
        return {}
    rows = db.session.execute(
        select(AssessmentShare.assessment_id, AssessmentShare.access).where(
            AssessmentShare.user_id == viewer.id
        )
    )
    return dict(rows.all())


def _access(viewer: User | None, assessment: Assessment, shares: dict[int, ShareAccess]) -> str:
    """Say what the viewer may do: owner, editor, viewer, or admin (sees all), "" for the CLI."""
    if viewer is None:
        return ""
    if assessment.owner_id == viewer.id:
        return "owner"
    if assessment.id in shares:
        return shares[assessment.id].value
    return "admin" if can(viewer, Permission.VIEW_ASSESSMENT, assessment) else ""
