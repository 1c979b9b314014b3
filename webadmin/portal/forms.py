"""The portal's forms. They check the shape of the input; what the service refuses
(core.portal_intake.request_errors, core.tickets) the view puts next to the same fields."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from core.portal_intake import DESCRIPTION_MAX, REQUESTER_PRIORITIES
from core.tickets import TITLE_MAX
from webadmin.portal.uploads import AcceptedFiles

PRIORITY_CHOICES = [SelectChoice(priority.value, priority.value.capitalize()) for priority in REQUESTER_PRIORITIES]


class NewTicketForm(FlaskForm):
    catalog = SelectField("Category", default="")
    priority = SelectField("Priority", choices=PRIORITY_CHOICES, default="medium")
    title = StringField("Title", validators=[Length(max=TITLE_MAX)])
    description = TextAreaField("Description", validators=[Length(max=DESCRIPTION_MAX)])
    files = MultipleFileField("Attach files", validators=[AcceptedFiles()])
    watchers = TextAreaField("Keep colleagues informed", validators=[Optional(), Length(max=4000)])


class ReplyForm(FlaskForm):
    body = TextAreaField("Your reply", validators=[DataRequired("Write something first."), Length(max=DESCRIPTION_MAX)])
    files = MultipleFileField("Attach files", validators=[AcceptedFiles()])
