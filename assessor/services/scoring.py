"""Percents as people read them: weighted over the scored parts, rounded one way everywhere."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal


def weighted_percent(parts: Iterable[tuple[float, float | None]]) -> float | None:
    """Combine (weight, percent or None) pairs into a weighted percent over the scored parts."""
    scored = [(w, p) for w, p in parts if p is not None]
    total = sum(w for w, _ in scored)
    if not total:
        return None
    return sum(w * p for w, p in scored) / total


def round_percent(value: float | None) -> int | None:
    """Round a percent to a whole number, halves up: the one rule for pages, JSON and CSV.

    Every figure a person reads goes through here, so the server's page, the live update and
    the export can never disagree (82.5 shows as 83 everywhere). The value is first cut to six
    places: a weighted mean that lands on 82.49999999999999 is still the 82.5 people computed.
    """
    if value is None:
        return None
    return int(Decimal(f"{value:.6f}").quantize(Decimal(1), rounding=ROUND_HALF_UP))


def percent_text(value: float | None, missing: str = "—") -> str:
    """Write a percent as people read it ("83%"), or `missing` when there is none."""
    shown = round_percent(value)
    return missing if shown is None else f"{shown}%"
