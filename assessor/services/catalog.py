"""The challenge catalog: sync folders in as immutable versions, keyed by content hash."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from pathlib import Path

from sqlalchemy import select

import sandbox
from assessor.challenges import ChallengeFormatError, ChallengeSpec, read_challenge
from assessor.extensions import db
from assessor.kinds import ReferenceFailed, get_kind
from assessor.models import Challenge, ChallengeVersion, Difficulty, utcnow
from assessor.services import audit


@dataclasses.dataclass(frozen=True)
class SyncOutcome:
    slug: str
    action: str  # created | new_version | unchanged | retired | invalid | reference_failed
    version_id: int | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.action not in ("invalid", "reference_failed")


def challenge_folders(root: str | Path) -> list[Path]:
    """Return the challenge folders under root (every folder holding a challenge.yaml)."""
    root = Path(root)
    return sorted(p.parent for p in root.glob("*/challenge.yaml"))


def find_version(slug: str, content_hash: str) -> ChallengeVersion | None:
    """Return the stored version of a challenge with this content hash, if any."""
    return db.session.scalar(
        select(ChallengeVersion)
        .join(Challenge, ChallengeVersion.challenge_id == Challenge.id)
        .where(Challenge.slug == slug, ChallengeVersion.content_hash == content_hash)
    )


def store_version(
    spec: ChallengeSpec, manifest: list[dict], *, actor_id: int | None = None
) -> SyncOutcome:
    """Store a spec as the challenge's current version (a no-op if the hash is known)."""
    challenge = db.session.scalar(select(Challenge).where(Challenge.slug == spec.slug))
    existing = find_version(spec.slug, spec.content_hash)
    if existing is not None:
        revived = challenge.retired_at is not None or challenge.current_version_id != existing.id
        challenge.retired_at = None
        challenge.current_version_id = existing.id
        db.session.commit()
        return SyncOutcome(spec.slug, "new_version" if revived else "unchanged", existing.id)
    created = challenge is None
    if created:
        challenge = Challenge(slug=spec.slug, title=spec.title)
        db.session.add(challenge)
        db.session.flush()
    version = ChallengeVersion(
        challenge_id=challenge.id,
        content_hash=spec.content_hash,
        title=spec.title,
        kind=spec.kind,
        skills=list(spec.skills),
        difficulty=Difficulty(spec.difficulty),
        minutes=spec.minutes,
        meta=spec.meta(),
        statement=spec.statement,
        manifest=manifest,
        rubric=[c.to_dict() for c in spec.rubric],
        files={
            "starter": dict(spec.starter),
            "solution": dict(spec.solution),
            "tests": dict(spec.tests),
            "wrong": {name: dict(files) for name, files in spec.wrong.items()},
        },
    )
    db.session.add(version)
    db.session.flush()
    challenge.title = spec.title
    challenge.current_version_id = version.id
    challenge.retired_at = None
    audit.record(
        "challenge.sync",
        actor_id=actor_id,
        target=challenge,
        version_id=version.id,
        content_hash=spec.content_hash,
    )
    db.session.commit()
    return SyncOutcome(spec.slug, "created" if created else "new_version", version.id)


def sync_folder(
    folder: Path, backend: sandbox.Backend, image: str, *, actor_id: int | None = None
) -> SyncOutcome:
    """Read one folder and store it, running the reference for a new version's manifest."""
    try:
        spec = read_challenge(folder)
    except ChallengeFormatError as exc:
        return SyncOutcome(folder.name, "invalid", detail="; ".join(map(str, exc.problems)))
    existing = find_version(spec.slug, spec.content_hash)
    if existing is not None:
        return store_version(spec, existing.manifest, actor_id=actor_id)
    try:
        manifest = get_kind(spec.kind).trusted_manifest(spec, backend, image)
    except ReferenceFailed as exc:
        return SyncOutcome(spec.slug, "reference_failed", detail=str(exc))
    return store_version(spec, manifest, actor_id=actor_id)


def retire_missing(present: Iterable[str], *, actor_id: int | None = None) -> list[SyncOutcome]:
    """Retire challenges whose folder is gone; their versions stay for old reports."""
    present = set(present)
    outcomes = []
    for challenge in db.session.scalars(select(Challenge).where(Challenge.retired_at.is_(None))):
        if challenge.slug not in present:
            challenge.retired_at = utcnow()
            audit.record("challenge.retire", actor_id=actor_id, target=challenge)
            outcomes.append(SyncOutcome(challenge.slug, "retired"))
    db.session.commit()
    return outcomes


def sync_all(
    root: str | Path,
    backend: sandbox.Backend,
    image: str,
    *,
    folders: list[Path] | None = None,
    retire: bool = True,
    progress: Callable[[str], None] = lambda _: None,
    on_outcome: Callable[[SyncOutcome], None] = lambda _: None,
    actor_id: int | None = None,
) -> list[SyncOutcome]:
    """Sync every folder under root (or the given ones); retire what disappeared from root.

    `progress` hears each folder's name before it syncs, `on_outcome` each outcome after.
    """
    chosen = folders if folders is not None else challenge_folders(root)
    outcomes = []
    for folder in chosen:
        progress(folder.name)
        outcome = sync_folder(folder, backend, image, actor_id=actor_id)
        on_outcome(outcome)
        outcomes.append(outcome)
    if retire and folders is None:
        for outcome in retire_missing((p.name for p in chosen), actor_id=actor_id):
            on_outcome(outcome)
            outcomes.append(outcome)
    return outcomes
