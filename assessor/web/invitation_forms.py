"""The invitation pages' forms (Flask-WTF, so every post carries a CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from assessor.services.invitations import (
    MAX_EMAIL_CHARS,
    MAX_EXTRA_MINUTES,
    MAX_NAME_CHARS,
    MAX_VALID_DAYS,
)

EXTRA = NumberRange(0, MAX_EXTRA_MINUTES, f"From 0 to {MAX_EXTRA_MINUTES} minutes.")
DAYS = NumberRange(1, MAX_VALID_DAYS, f"From 1 to {MAX_VALID_DAYS} days.")


class OneForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=MAX_NAME_CHARS)])
    email = EmailField("Email", validators=[DataRequired(), Length(max=MAX_EMAIL_CHARS)])
    extra_minutes = IntegerField("Extra time (minutes)", default=0, validators=[EXTRA])
    valid_days = IntegerField("Link valid for (days)", validators=[DataRequired(), DAYS])
    send_email = BooleanField("Email the invitation", default=True)


class ManyForm(FlaskForm):
    lines = TextAreaField(
        "Candidates, one per line", validators=[DataRequired(), Length(max=200_000)]
    )
    extra_minutes = IntegerField(
        "Extra time for lines without their own (minutes)", default=0, validators=[EXTRA]
    )
    valid_days = IntegerField("Links valid for (days)", validators=[DataRequired(), DAYS])
    skip_invited = BooleanField("Leave out people already invited to this assessment")
    send_email = BooleanField("Email the invitations", default=True)


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token, and where to go back to."""

    back = HiddenField(default="detail")


class ReissueForm(ActionForm):
    send_email = BooleanField("Email the new link to the candidate", default=True)


class ExtendForm(ActionForm):
    valid_days = IntegerField("Valid for (days from now)", validators=[Optional(), DAYS])
    extra_minutes = IntegerField("Extra time (minutes)", validators=[Optional(), EXTRA])
    add_minutes = IntegerField(
        "Minutes to add", validators=[Optional(), NumberRange(1, MAX_EXTRA_MINUTES)]
    )
