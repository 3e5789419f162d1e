"""The scorecard form: one bounded number per rubric criterion, notes and a decision."""

from __future__ import annotations

from collections.abc import Iterable

from flask_wtf import FlaskForm
from wtforms import FloatField, SelectField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, NumberRange, Optional

from assessor.services.labels import DECISIONS
from assessor.services.reviews import MAX_NOTES_CHARS, ScoreInput
from assessor.services.scorecards import ItemFacts


def field_name(item_id: int, criterion_id: str) -> str:
    """Name the input of one criterion of one challenge."""
    return f"score-{item_id}-{criterion_id}"


class ScorecardForm(FlaskForm):
    notes = TextAreaField(
        "Notes (Markdown)",
        validators=[Length(max=MAX_NOTES_CHARS)],
        description="What you saw, for the other reviewers and the hiring decision.",
    )
    decision = SelectField(
        "Decision",
        choices=[SelectChoice("", "Undecided")]
        + [SelectChoice(k, v.text.capitalize()) for k, v in DECISIONS.items()],
    )
    save = SubmitField("Save draft")
    submit = SubmitField("Submit scorecard")

    def score_input(self, items: Iterable[ItemFacts]) -> ScoreInput:
        """Collect the form's values for the review service."""
        scores = {
            str(item.id): {c.id: self[field_name(item.id, c.id)].data for c in item.criteria}
            for item in items
            if item.criteria
        }
        return ScoreInput(
            scores=scores,
            notes=self.notes.data or "",
            decision=self.decision.data or None,
            submit=bool(self.submit.data),
        )


class PointsField(FloatField):
    """Points shown as a reviewer typed them: 3, not 3.0."""

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else format(self.data, "g")


class DiscardForm(FlaskForm):
    """Only the CSRF token: discarding a draft takes no input."""


def scorecard_form(items: Iterable[ItemFacts], **data) -> ScorecardForm:
    """Build the form with one input per criterion, bounded by the criterion's points."""

    class Form(ScorecardForm):
        pass

    for item in items:
        for criterion in item.criteria:
            setattr(
                Form,
                field_name(item.id, criterion.id),
                PointsField(
                    criterion.title,
                    validators=[Optional(), NumberRange(min=0, max=criterion.points)],
                ),
            )
    return Form(**data)
