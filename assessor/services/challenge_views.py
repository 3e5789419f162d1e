"""One challenge as staff read it: content, points, what sync proved, and who pins each version."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from datetime import datetime

from sqlalchemy import func, select

from assessor.extensions import db
from assessor.kinds import Scoring
from assessor.models import (
    Assessment,
    AssessmentItem,
    AuditEvent,
    Challenge,
    ChallengeVersion,
    User,
)
from assessor.services import NotFound, library_sync
from assessor.services.catalog_views import Card, card_of
from assessor.services.permissions import Permission, can, visible_assessments_filter


@dataclasses.dataclass(frozen=True)
class SourceFile:
    path: str
    text: str


@dataclasses.dataclass(frozen=True)
class SkillPoints:
    skill: str
    public: float
    hidden: float

    @property
    def total(self) -> float:
        return self.public + self.hidden


@dataclasses.dataclass(frozen=True)
class Validation:
    """What syncing this version proved, from its trusted manifest and the audit log."""

    manual: bool
    tests: int
    public_tests: int
    hidden_tests: int
    points: float
    rubric_criteria: int
    rubric_points: float
    synced_at: datetime
    synced_by: str | None
    last_sync: library_sync.FolderResult | None  # the newest sync's word on this folder
    last_sync_at: datetime | None


@dataclasses.dataclass(frozen=True)
class Pinning:
    id: int
    title: str
    status: str
    pinned: bool


@dataclasses.dataclass(frozen=True)
class VersionRow:
    id: int
    content_hash: str
    created_at: datetime
    current: bool
    assessments: tuple[Pinning, ...]  # those the viewer may see
    others: int  # how many more use it, out of the viewer's sight


@dataclasses.dataclass(frozen=True)
class ChallengeDetail:
    slug: str
    retired: bool
    card: Card
    is_current: bool
    statement: str  # Markdown; the web layer renders and sanitizes it
    limits: dict
    editable: tuple[str, ...]
    starter: tuple[SourceFile, ...]
    public_tests: tuple[SourceFile, ...]
    hidden_tests: tuple[SourceFile, ...]
    solution: tuple[SourceFile, ...]
    wrong: tuple[tuple[str, tuple[SourceFile, ...]], ...]
    manifest: tuple[dict, ...]
    rubric: tuple[dict, ...]
    skill_points: tuple[SkillPoints, ...]
    validation: Validation
    versions: tuple[VersionRow, ...]


def challenge_detail(viewer: User, slug: str, version_id: int | None = None) -> ChallengeDetail:
    """Return a challenge at its current version (or at `version_id`, one of its own)."""
    challenge = db.session.scalar(select(Challenge).where(Challenge.slug == slug))
    if challenge is None or challenge.current_version_id is None:
        raise NotFound("No such challenge in the catalog.")
    chosen = version_id or challenge.current_version_id
    version = db.session.get(ChallengeVersion, chosen)
    if version is None or version.challenge_id != challenge.id:
        raise NotFound("No such version of this challenge.")
    kind = version.kind_plugin
    files = version.files or {}
    tests = files.get("tests", {})
    public = kind.test_files(version.material, "public") if kind.installed else {}
    return ChallengeDetail(
        slug=challenge.slug,
        retired=challenge.retired,
        card=card_of(version, challenge.slug),
        is_current=version.id == challenge.current_version_id,
        statement=version.statement,
        limits=dict((version.meta or {}).get("limits") or {}),
        editable=tuple(version.editable),
        starter=_files(files.get("starter", {})),
        public_tests=_files(public),
        hidden_tests=_files({p: t for p, t in tests.items() if p not in public}),
        solution=_files(files.get("solution", {})),
        wrong=tuple((n, _files(f)) for n, f in sorted(files.get("wrong", {}).items())),
        manifest=tuple(version.manifest or ()),
        rubric=tuple(version.rubric or ()),
        skill_points=_skill_points(version),
        validation=_validation(challenge, version),
        versions=_versions(viewer, challenge),
    )


def _files(files: dict[str, str]) -> tuple[SourceFile, ...]:
    return tuple(SourceFile(p, t) for p, t in sorted(files.items()))


def _skill_points(version: ChallengeVersion) -> tuple[SkillPoints, ...]:
    buckets: dict[str, dict[str, float]] = defaultdict(lambda: {"public": 0.0, "hidden": 0.0})
    for entry in version.manifest or ():
        side = "public" if entry.get("visibility") == "public" else "hidden"
        buckets[entry.get("skill") or "?"][side] += float(entry.get("points", 0))
    order = list(version.skills or ()) + sorted(set(buckets) - set(version.skills or ()))
    return tuple(
        SkillPoints(s, buckets[s]["public"], buckets[s]["hidden"]) for s in order if s in buckets
    )


def _validation(challenge: Challenge, version: ChallengeVersion) -> Validation:
    manifest = version.manifest or ()
    public = sum(1 for e in manifest if e.get("visibility") == "public")
    synced = _sync_event(challenge, version)
    last = library_sync.last_completed_run()
    result = next((r for r in last.results if r.slug == challenge.slug), None) if last else None
    return Validation(
        manual=version.kind_plugin.scoring is Scoring.MANUAL,
        tests=len(manifest),
        public_tests=public,
        hidden_tests=len(manifest) - public,
        points=sum(float(e.get("points", 0)) for e in manifest),
        rubric_criteria=len(version.rubric or ()),
        rubric_points=sum(float(c.get("points", 0)) for c in version.rubric or ()),
        synced_at=synced.at if synced else version.created_at,
        synced_by=synced.actor.name if synced and synced.actor else None,
        last_sync=result,
        last_sync_at=last.finished_at if last else None,
    )


def _sync_event(challenge: Challenge, version: ChallengeVersion) -> AuditEvent | None:
    events = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.action == "challenge.sync")
        .where(AuditEvent.target_type == "challenge", AuditEvent.target_id == str(challenge.id))
        .order_by(AuditEvent.id.desc())
    )
    return next((e for e in events if (e.data or {}).get("version_id") == version.id), None)


def _versions(viewer: User, challenge: Challenge) -> tuple[VersionRow, ...]:
    """List versions newest first, each with the assessments using it that the viewer may see."""
    ids = [v.id for v in challenge.versions]
    seen: dict[int, list[Pinning]] = defaultdict(list)
    if can(viewer, Permission.VIEW_ASSESSMENT):
        rows = db.session.execute(
            select(AssessmentItem.challenge_version_id, Assessment)
            .join(Assessment, Assessment.id == AssessmentItem.assessment_id)
            .where(AssessmentItem.challenge_version_id.in_(ids))
            .where(visible_assessments_filter(viewer))
            .order_by(Assessment.title)
        )
        for version_id, a in rows:
            seen[version_id].append(Pinning(a.id, a.title, a.status.value, a.pinned_at is not None))
    totals = dict(
        db.session.execute(
            select(AssessmentItem.challenge_version_id, func.count(AssessmentItem.id))
            .where(AssessmentItem.challenge_version_id.in_(ids))
            .group_by(AssessmentItem.challenge_version_id)
        ).all()
    )
    return tuple(
        VersionRow(
            id=v.id,
            content_hash=v.content_hash,
            created_at=v.created_at,
            current=v.id == challenge.current_version_id,
            assessments=tuple(seen[v.id]),
            others=totals.get(v.id, 0) - len(seen[v.id]),
        )
        for v in sorted(challenge.versions, key=lambda v: v.id, reverse=True)
    )
