"""The catalog as staff browse it: current versions of live challenges, filtered; choices."""

from __future__ import annotations

import dataclasses

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from assessor.challenges.spec import DIFFICULTIES, SKILLS
from assessor.extensions import db
from assessor.kinds import Scoring, find_kind, kind_names
from assessor.models import Challenge, ChallengeVersion

MINUTE_CHOICES = (15, 20, 30, 45, 60, 90, 120)


@dataclasses.dataclass(frozen=True)
class Filters:
    """What the catalog page narrows by; empty means any."""

    skill: str = ""
    kind: str = ""
    difficulty: str = ""
    max_minutes: int | None = None
    text: str = ""

    @property
    def active(self) -> bool:
        return bool(self.skill or self.kind or self.difficulty or self.max_minutes or self.text)


@dataclasses.dataclass(frozen=True)
class Card:
    """One challenge as listed: its current version's facts."""

    slug: str
    title: str
    kind: str
    kind_description: str
    manual: bool  # scored by a reviewer with a rubric
    skills: tuple[str, ...]
    difficulty: str
    minutes: int
    summary: str
    tests: int
    test_points: float
    rubric_points: float
    version_id: int
    version_hash: str


@dataclasses.dataclass(frozen=True)
class Choices:
    """The values each filter offers: (value, label)."""

    skills: tuple[tuple[str, str], ...]
    kinds: tuple[tuple[str, str], ...]
    difficulties: tuple[str, ...]
    minutes: tuple[int, ...]


def card_of(version: ChallengeVersion, slug: str) -> Card:
    """Describe a version for lists and forms."""
    kind = find_kind(version.kind)
    return Card(
        slug=slug,
        title=version.title,
        kind=version.kind,
        kind_description=kind.description,
        manual=kind.scoring is Scoring.MANUAL,
        skills=tuple(version.skills or ()),
        difficulty=version.difficulty.value,
        minutes=version.minutes,
        summary=str((version.meta or {}).get("summary") or ""),
        tests=len(version.manifest or ()),
        test_points=sum(float(e.get("points", 0)) for e in version.manifest or ()),
        rubric_points=sum(float(c.get("points", 0)) for c in version.rubric or ()),
        version_id=version.id,
        version_hash=version.content_hash,
    )


def _current_versions():
    # A card needs the version's facts, not its files: every file of every challenge is large.
    return joinedload(Challenge.current_version).defer(ChallengeVersion.files)


def live_cards() -> list[Card]:
    """Return every live challenge (synced, not retired) at its current version, by title."""
    rows = db.session.scalars(
        select(Challenge)
        .options(_current_versions())
        .where(Challenge.retired_at.is_(None), Challenge.current_version_id.is_not(None))
    ).all()
    cards = [card_of(c.current_version, c.slug) for c in rows]
    return sorted(cards, key=lambda c: (c.title.lower(), c.slug))


def browse(filters: Filters, cards: list[Card] | None = None) -> list[Card]:
    """Return the live challenges (or the given cards) matching every given filter."""
    text = filters.text.strip().lower()
    return [
        card
        for card in (live_cards() if cards is None else cards)
        if (not filters.skill or filters.skill in card.skills)
        and (not filters.kind or card.kind == filters.kind)
        and (not filters.difficulty or card.difficulty == filters.difficulty)
        and (not filters.max_minutes or card.minutes <= filters.max_minutes)
        and (not text or text in f"{card.title} {card.slug} {card.summary}".lower())
    ]


def choices(cards: list[Card] | None = None) -> Choices:
    """Return the filters' values: skills in use (vocabulary order) and the installed kinds."""
    cards = live_cards() if cards is None else cards
    used = {s for c in cards for s in c.skills}
    skills = [(s, f"{s}: {SKILLS[s]}") for s in SKILLS if s in used]
    skills += [(s, s) for s in sorted(used - set(SKILLS))]
    kinds = [(n, find_kind(n).description) for n in kind_names()]
    kinds += [
        (k, find_kind(k).description)
        for k in sorted({c.kind for c in cards})
        if k not in kind_names()
    ]
    return Choices(tuple(skills), tuple(kinds), DIFFICULTIES, MINUTE_CHOICES)


def cards_by_slug(slugs: list[str]) -> dict[str, Card]:
    """Return the cards of these challenges (retired ones included, at their current version)."""
    rows = db.session.scalars(
        select(Challenge)
        .options(_current_versions())
        .where(Challenge.slug.in_(slugs), Challenge.current_version_id.is_not(None))
    ).all()
    return {c.slug: card_of(c.current_version, c.slug) for c in rows}
