"""The challenge catalog: a challenge and its immutable, content-addressed versions."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from assessor.extensions import db
from assessor.kinds import ChallengeKindPlugin, Material, find_kind, get_kind
from assessor.models.types import UTCDateTime, str_enum, utcnow


class Difficulty(enum.StrEnum):
    EASY = "easy"
    MEDIUM = "medium"
    HARD = "hard"


class Challenge(db.Model):
    __tablename__ = "challenges"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A removed folder retires the challenge; old assessments keep their pinned versions.
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("challenge_versions.id", use_alter=True, ondelete="SET NULL")
    )

    versions: Mapped[list[ChallengeVersion]] = relationship(
        back_populates="challenge",
        foreign_keys="ChallengeVersion.challenge_id",
        order_by="ChallengeVersion.id",
    )
    current_version: Mapped[ChallengeVersion | None] = relationship(
        foreign_keys=[current_version_id], post_update=True
    )

    @property
    def retired(self) -> bool:
        return self.retired_at is not None


class ChallengeVersion(db.Model):
    """One immutable snapshot of a challenge folder, keyed by the hash of its content."""

    __tablename__ = "challenge_versions"
    __table_args__ = (UniqueConstraint("challenge_id", "content_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(ForeignKey("challenges.id", ondelete="CASCADE"))
    content_hash: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    # A kind's name in the registry (assessor.kinds), not a database enum: installing a kind
    # plugin needs no migration, and a row whose plugin is gone still loads.
    kind: Mapped[str] = mapped_column(String(40))
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    difficulty: Mapped[Difficulty] = mapped_column(str_enum(Difficulty, "difficulty"))
    minutes: Mapped[int]
    # challenge.yaml as read (limits, editable files, summary) for display and grading.
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    statement: Mapped[str] = mapped_column(Text, default="")
    # Trusted manifest from the reference run: [{"id", "points", "skill", "visibility"}].
    manifest: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    rubric: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Every file of the folder, by role: {"starter": {path: text}, "solution": ..., "tests": ...,
    # "wrong": {name: {path: text}}}. Only "starter" and public tests ever reach a candidate.
    files: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    challenge: Mapped[Challenge] = relationship(
        back_populates="versions", foreign_keys=[challenge_id]
    )

    @validates("kind")
    def _installed_kind(self, _key: str, name: str) -> str:
        get_kind(name)  # raises KindNotInstalled: a new version is only stored for a known kind
        return name

    @property
    def kind_plugin(self) -> ChallengeKindPlugin:
        """Return this version's kind, or a stand-in saying it is not installed."""
        return find_kind(self.kind)

    @property
    def material(self) -> Material:
        """Return what a sandbox run of this version is built from."""
        return Material.of_version(self)

    @property
    def editable(self) -> list[str]:
        """The files a candidate may change: challenge.yaml's list, else every starter file."""
        return list(self.meta.get("editable") or self.files.get("starter", {}))


Index("ix_challenge_versions_hash", ChallengeVersion.content_hash)
