"""Forms of the assessment pages: compose (with its ordered challenge rows) and share."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from assessor.models import ShareAccess
from assessor.services import assessments as service

MIN_WEIGHT = 0.1


def choices(pairs) -> list[SelectChoice]:
    """Return (value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


class ItemForm(Form):
    """One row of the ordered challenge list (a sub-form: the page's form holds the CSRF token)."""

    slug = HiddenField(validators=[DataRequired(), Length(max=80)])
    weight = StringField(
        "Weight", default="1", validators=[InputRequired(), Length(max=12)], filters=[str.strip]
    )

    def validate_weight(self, field) -> None:
        try:
            value = float(field.data)
        except (TypeError, ValueError):
            raise ValidationError("A weight is a number such as 1 or 1.5.") from None
        if not MIN_WEIGHT <= value <= service.MAX_WEIGHT:
            raise ValidationError(f"Between {MIN_WEIGHT:g} and {service.MAX_WEIGHT:g}.")


class AssessmentForm(FlaskForm):
    title = StringField(
        "Title",
        validators=[DataRequired(), Length(max=service.MAX_TITLE)],
        filters=[lambda s: s.strip() if s else s],
    )
    description = TextAreaField(
        "Description for candidates (Markdown)",
        validators=[Optional(), Length(max=service.MAX_DESCRIPTION)],
    )
    duration_minutes = IntegerField(
        "Duration (minutes)",
        validators=[InputRequired(), NumberRange(1, service.MAX_DURATION_MINUTES)],
    )
    time_budget_minutes = IntegerField(
        "Planned time for the challenges (minutes, optional)",
        validators=[Optional(), NumberRange(1, service.MAX_DURATION_MINUTES)],
    )
    blind_review = BooleanField("Blind review: reviewers see others' scorecards after their own")
    hide_identity = BooleanField("Also hide candidates' names and emails from reviewers")
    items = FieldList(FormField(ItemForm), max_entries=service.MAX_ITEMS)
    add = SelectField("Add a challenge", choices=[], validate_choice=False)

    def rows(self) -> list[tuple[str, str]]:
        """Return the challenge rows as (slug, weight as typed), in order."""
        rows = []
        for entry in self.items.entries if self.items is not None else ():
            slug = (entry.form.slug.data or "").strip()
            if slug:
                rows.append((slug, (entry.form.weight.data or "").strip() or "1"))
        return rows


class ShareForm(FlaskForm):
    user_id = SelectField("Interviewer", coerce=int, validators=[InputRequired()])
    access = SelectField(
        "Access",
        choices=choices(
            [
                (ShareAccess.VIEWER.value, "Viewer: sees progress and reports, and reviews"),
                (ShareAccess.EDITOR.value, "Editor: also edits, invites, shares and archives"),
            ]
        ),
        default=ShareAccess.VIEWER.value,
    )


class AccessForm(FlaskForm):
    """Change one collaborator's access (the user is in the URL)."""

    access = SelectField(
        "Access",
        choices=choices(
            [(ShareAccess.VIEWER.value, "Viewer"), (ShareAccess.EDITOR.value, "Editor")]
        ),
    )


class ActionForm(FlaskForm):
    """A bare POST button (archive, restore, duplicate, remove): only the CSRF token."""
