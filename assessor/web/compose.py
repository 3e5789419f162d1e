"""The compose form's steps: fill it, rearrange its challenge rows, and read it back."""

from __future__ import annotations

import math

from flask import Request

from assessor.services import assessments as service
from assessor.services.assessment_views import AssessmentView
from assessor.services.catalog_views import Card, cards_by_slug, live_cards
from assessor.web.assessment_forms import AssessmentForm, choices

DEFAULT_DURATION = 60


def fill_new(form: AssessmentForm, slugs: list[str]) -> list[str]:
    """Prefill a new assessment with live challenges; return the slugs that were not found."""
    live = {c.slug: c for c in live_cards()}
    chosen = [s for s in dict.fromkeys(slugs) if s in live][: service.MAX_ITEMS]
    _set_rows(form, [(s, "1") for s in chosen])
    minutes = sum(live[s].minutes for s in chosen)
    form.duration_minutes.data = _round_up(minutes) if minutes else DEFAULT_DURATION
    return [s for s in slugs if s not in live]


def fill_existing(form: AssessmentForm, view: AssessmentView, add: str | None) -> None:
    """Fill the form from a stored assessment, with `add` appended when it may change."""
    form.title.data = view.title
    form.description.data = view.description
    form.time_budget_minutes.data = view.time_budget_minutes
    form.blind_review.data = view.blind_review
    form.hide_identity.data = view.hide_identity
    if view.pinned:
        return
    form.duration_minutes.data = view.duration_minutes
    rows = [(i.slug, f"{i.weight:g}") for i in view.items]
    if add and add not in {s for s, _ in rows} and add in {c.slug for c in live_cards()}:
        rows.append((add, "1"))
    _set_rows(form, rows)


def rearrange(form: AssessmentForm, request: Request) -> bool:
    """Apply an add, move or remove button; tell whether one was pressed (then do not save)."""
    op = request.form.get("op", "")
    rows = form.rows()
    if op == "add":
        slug = (form.add.data or "").strip()
        if slug and slug not in {s for s, _ in rows} and len(rows) < service.MAX_ITEMS:
            rows.append((slug, "1"))
    elif op.partition("-")[0] in ("up", "down", "remove"):
        action, _, raw = op.partition("-")
        index = int(raw) if raw.isdigit() else -1
        if not 0 <= index < len(rows):
            return True
        if action == "remove":
            rows.pop(index)
        else:
            other = index - 1 if action == "up" else index + 1
            if 0 <= other < len(rows):
                rows[index], rows[other] = rows[other], rows[index]
    else:
        return False
    _set_rows(form, rows)
    form.add.data = ""
    return True


def composition(form: AssessmentForm) -> service.Composition:
    """Read the validated form's challenges and duration."""
    return service.Composition(
        form.duration_minutes.data,
        [service.ItemSpec(slug=s, weight=float(w)) for s, w in form.rows()],
    )


def details(form: AssessmentForm) -> service.Details:
    """Read the validated form's title, description and review settings."""
    return service.Details(
        title=form.title.data or "",
        description=(form.description.data or "").replace("\r\n", "\n"),
        time_budget_minutes=form.time_budget_minutes.data,
        blind_review=bool(form.blind_review.data),
        hide_identity=bool(form.hide_identity.data),
    )


def offer(form: AssessmentForm) -> dict[str, Card]:
    """Set the "add a challenge" choices; return the cards of the rows and of the choices."""
    taken = [s for s, _ in form.rows()]
    live = live_cards()
    if form.add is not None:  # absent once pinned
        form.add.choices = choices(
            [("", "Choose a challenge…")]
            + [
                (c.slug, f"{c.title} · {c.kind_description} · {c.minutes} min")
                for c in live
                if c.slug not in taken
            ]
        )
    cards = {c.slug: c for c in live}
    missing = [s for s in taken if s not in cards]
    return cards | cards_by_slug(missing)


def _set_rows(form: AssessmentForm, rows: list[tuple[str, str]]) -> None:
    while form.items.entries:
        form.items.pop_entry()
    for slug, weight in rows:
        form.items.append_entry({"slug": slug, "weight": weight})


def _round_up(minutes: int, step: int = 5) -> int:
    return min(service.MAX_DURATION_MINUTES, max(step, math.ceil(minutes / step) * step))
