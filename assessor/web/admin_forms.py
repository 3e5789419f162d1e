"""Forms of the administration pages: a new staff member, a role, the audit-log filters."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    EmailField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from assessor.models import Role
from assessor.services import audit, passwords

ROLES = (Role.INTERVIEWER, Role.AUTHOR, Role.ADMIN)


def choices(pairs) -> list[SelectChoice]:
    """Return (value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


def role_choices() -> list[SelectChoice]:
    return choices((r.value, r.value.capitalize()) for r in ROLES)


class NewStaffForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    role = SelectField("Role", choices=role_choices, default=Role.INTERVIEWER.value)
    method = RadioField(
        "How they get in",
        choices=choices(
            [
                ("invite", "Send them a one-time link to choose their own password"),
                ("password", "Set a password now, and hand it over yourself"),
            ]
        ),
        default="invite",
    )
    password = PasswordField("Password", validators=[Length(max=passwords.MAX_LENGTH)])
    confirm = PasswordField("The same password again")

    def validate_password(self, field) -> None:
        if self.method.data == "password" and not field.data:
            raise ValidationError("Enter the password, or choose to email a link instead.")

    def validate_confirm(self, field) -> None:
        if self.method.data == "password" and field.data != self.password.data:
            raise ValidationError("The two passwords differ.")


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=role_choices)


class AuditFilterForm(FlaskForm):
    """The audit page's filters, read from the query string (a GET form: no CSRF token)."""

    actor = SelectField("Who", validate_choice=False)
    action = SelectField("What", validate_choice=False)
    since = DateField("From", validators=[Optional()])
    until = DateField("To", validators=[Optional()])
    target_type = SelectField("Object type", validate_choice=False)
    target_id = StringField("Object id", validators=[Optional(), Length(max=64)])
    before = IntegerField(validators=[Optional()])
    after = IntegerField(validators=[Optional()])

    FILTERS = ("actor", "action", "since", "until", "target_type", "target_id")

    def fill(self, options: audit.AuditOptions) -> None:
        """Offer the people, actions and object types the log holds."""
        self.actor.choices = choices([("", "Anyone"), *options.actors])
        self.action.choices = choices([("", "Any action"), *options.actions])
        self.target_type.choices = choices(
            [("", "Any object")] + [(t, t) for t in options.target_types]
        )

    def validate_until(self, field) -> None:
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError("The end date is before the start date.")

    def query(self) -> audit.AuditQuery:
        """Return the search these filters describe."""
        return audit.AuditQuery(
            actor=self.actor.data or "",
            action=self.action.data or "",
            since=self.since.data,
            until=self.until.data,
            target_type=self.target_type.data or "",
            target_id=(self.target_id.data or "").strip(),
            before=self.before.data,
            after=self.after.data,
        )

    def link_args(self) -> dict[str, str]:
        """Return the active filters as query arguments, for the paging links."""
        args = {}
        for name in self.FILTERS:
            value = self[name].data
            if value:
                args[name] = value.isoformat() if hasattr(value, "isoformat") else str(value)
        return args
