"""Words that depend on a number: "1 minute", "2 minutes" (the same rule as static/src/ui.js)."""

from __future__ import annotations

IRREGULAR = {"was": "were", "is": "are", "has": "have"}


def plural(count: int | float, singular: str, plural_form: str | None = None) -> str:
    """Return the count with the word agreeing with it: plural(1, "minute") -> "1 minute"."""
    shown = int(count) if float(count).is_integer() else count
    return f"{shown} {noun(count, singular, plural_form)}"


def noun(count: int | float, singular: str, plural_form: str | None = None) -> str:
    """Return the word alone, singular for exactly one: noun(3, "challenge") -> "challenges"."""
    if count == 1:
        return singular
    if plural_form is not None:
        return plural_form
    return IRREGULAR.get(singular, singular + "s")


def megabytes(size: int) -> str:
    """Say a size in MB, with one decimal below 10 MB (as static/src/limits.js)."""
    value = size / (1024 * 1024)
    return f"{value:.1f} MB" if value < 10 else f"{value:.0f} MB"
