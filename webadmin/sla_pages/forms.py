"""The forms of the SLA settings pages. Validators check the shape of the input (a duration,
working hours, a date list) with core.sla's parsers, so their words are the same everywhere;
what depends on the database (a name taken, a combination covered) comes from core.sla."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from core.errors import InvalidInput
from core.models import Priority
from core.models.sla import DEFAULT_WARN_PERCENT
from core.sla.calendars import WEEKDAYS, parse_holidays, parse_periods
from core.sla.durations import parse_minutes
from core.sla.pausing import EDITABLE
from webadmin.forms import PRIORITY_CHOICES


class Parses:
    """The field's text must parse with `parser` (a core.sla function raising InvalidInput)."""

    def __init__(self, parser: Any) -> None:
        self.parser = parser

    def __call__(self, _form: FlaskForm, field: Field) -> None:
        try:
            self.parser(field.data or "")
        except InvalidInput as error:
            raise ValidationError(str(error)) from None


def _duration(label: str) -> StringField:
    return StringField(label, validators=[Optional(), Length(max=40), Parses(parse_minutes)])


class PolicyForm(FlaskForm):
    name = StringField("Name", validators=[InputRequired(), Length(max=200)])
    entry = SelectField("Demand type", validators=[InputRequired("Choose a group, category or subcategory.")])
    service = SelectField("Affected service", default="")
    priority = SelectField("Priority", choices=[SelectChoice("", "Any priority"), *PRIORITY_CHOICES], default="")
    first_response = _duration("First response")
    workaround = _duration("Workaround")
    resolution = _duration("Resolution")
    calendar = SelectField("Business calendar", validators=[InputRequired("Choose a calendar.")])
    warn_percent = IntegerField(
        "Warn at (percent of a target)", default=DEFAULT_WARN_PERCENT,
        validators=[InputRequired("Give a share from 1 to 99."), NumberRange(1, 99, "Give a share from 1 to 99.")],
    )  # fmt: skip
    active = BooleanField("Active (chosen for tickets)", default=True)
    contract_only = BooleanField("Contract only", default=False)


class CalendarForm(FlaskForm):
    name = StringField("Name", validators=[InputRequired(), Length(max=200)])
    timezone = SelectField("Time zone", default="UTC")
    country = SelectField("National holidays of", default="")
    subdivision = StringField("Subdivision (state, province)", validators=[Optional(), Length(max=32)])
    holidays = TextAreaField("Company holidays", validators=[Optional(), Length(max=20_000), Parses(parse_holidays)])

    def hours_fields(self) -> list[Field]:
        return [self[f"hours_{weekday}"] for weekday in range(len(WEEKDAYS))]


for _weekday, _day in enumerate(WEEKDAYS):
    setattr(CalendarForm, f"hours_{_weekday}", StringField(_day, validators=[Optional(), Length(max=200), Parses(parse_periods)]))


class ServiceForm(FlaskForm):
    name = StringField("Name", validators=[InputRequired(), Length(max=200)])


class PausingForm(FlaskForm):
    statuses = SelectMultipleField(
        "Statuses that pause the clocks",
        choices=[SelectChoice(status.value, status.value.replace("_", " ").capitalize()) for status in EDITABLE],
        widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
    )  # fmt: skip


class PreviewForm(FlaskForm):
    """A GET form: nothing changes, no CSRF token."""

    class Meta:
        csrf = False

    entry = SelectField("Demand type", default="")
    service = SelectField("Affected service", default="")
    priority = SelectField("Priority", choices=PRIORITY_CHOICES, default=Priority.MEDIUM.value)
