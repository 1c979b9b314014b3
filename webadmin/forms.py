"""Flask-WTF forms of the staff panel: the ticket list's filter and bulk actions, and the
small action forms on a ticket page.

Choices that come from the database (staff, catalog, the statuses a ticket may move to) are
filled in by the view. Several forms share a page, so each has a prefix (`status-status`,
`reply-body`): a failed form can be shown again with its errors while the others stay fresh.
Validators here check the shape of the input; the core services decide what is allowed and
their refusals (DomainError) are put next to the field by the view."""

from __future__ import annotations

import os
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from werkzeug.datastructures import FileStorage
from wtforms import DateField, Field, HiddenField, SelectChoice, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, Regexp, ValidationError

from core.models import LinkKind, Priority, SlaTarget, Status
from core.sla.list_queries import DueFilter
from core.ticket_queries import Sort

MIB = 1024 * 1024
MAX_FILE_SIZE = 25 * MIB
MAX_FILES = 10
TICKET_NUMBER = r"^\s*#?\d{1,18}\s*$"


def _labelled(values: list[Any]) -> list[SelectChoice]:
    return [SelectChoice(value.value, value.value.replace("_", " ").capitalize()) for value in values]


PRIORITY_CHOICES = _labelled(list(Priority))
STATUS_CHOICES = _labelled(list(Status))


class EachFileAtMost:
    """Every uploaded file is at most `limit` bytes; the error names the file."""

    def __init__(self, limit: int) -> None:
        self.limit = limit

    def __call__(self, _form: FlaskForm, field: Field) -> None:
        uploads: list[FileStorage] = field.data or []
        if len(uploads) > MAX_FILES:
            raise ValidationError(f"At most {MAX_FILES} files per message.")
        for upload in uploads:
            size = upload.stream.seek(0, os.SEEK_END)
            upload.stream.seek(0)
            if size > self.limit:
                raise ValidationError(
                    f"{upload.filename or 'A file'} is {size / MIB:.1f} MiB; the limit is {self.limit // MIB} MiB per file."
                )


def ticket_number(text: str) -> int:
    """`#12`, ` 12 ` -> 12; the field's Regexp validator has checked the shape."""
    return int(text.strip().lstrip("#"))


class FilterForm(FlaskForm):
    """The list's query string. A GET form: no CSRF token, nothing changes."""

    class Meta:
        csrf = False

    q = StringField("Search", validators=[Optional(), Length(max=500)])
    status = SelectField("Status", choices=[SelectChoice("", "Any status"), SelectChoice("open", "Open"), *STATUS_CHOICES], default="")
    priority = SelectField("Priority", choices=[SelectChoice("", "Any priority"), *PRIORITY_CHOICES], default="")
    catalog = SelectField("Category", default="")
    assignee = SelectField("Assignee", default="")
    requester = StringField("Requester", validators=[Optional(), Length(max=320)])
    created_from = DateField("Created from", validators=[Optional()])
    created_to = DateField("Created to", validators=[Optional()])
    due = SelectField(
        "Service level",
        choices=[SelectChoice("", "Any"), SelectChoice(DueFilter.DUE_SOON.value, "Due soon"),
                 SelectChoice(DueFilter.BREACHED.value, "Breached")],
        default="",
    )
    sort = SelectField(
        "Sort",
        choices=[SelectChoice(Sort.UPDATED.value, "Recently updated"), SelectChoice(Sort.CREATED.value, "Newest"),
                 SelectChoice(Sort.PRIORITY.value, "Priority"), SelectChoice(Sort.DUE.value, "Next due")],
        default=Sort.UPDATED.value,
    )


FILTER_FIELDS = ("q", "status", "priority", "catalog", "assignee", "requester", "created_from", "created_to", "due", "sort")
"""The query-string parameters that make a filter (a saved view stores exactly these)."""


class BulkForm(FlaskForm):
    ids = SelectMultipleField("Tickets", coerce=int, validate_choice=False, validators=[InputRequired("Select at least one ticket.")])
    action = SelectField(
        "Action",
        choices=[SelectChoice("assign", "Assign to"), SelectChoice("status", "Set status"),
                 SelectChoice("priority", "Set priority"), SelectChoice("category", "Set category"), SelectChoice("close", "Close")],
    )  # fmt: skip
    assignee = SelectField("Assignee", default="")
    status = SelectField("Status", choices=STATUS_CHOICES)
    priority = SelectField("Priority", choices=PRIORITY_CHOICES)
    catalog = SelectField("Category", default="")
    back = HiddenField()

    VALUE_FIELDS = {"assign": "assignee", "status": "status", "priority": "priority", "category": "catalog"}

    def validate(self, extra_validators: Any = None) -> bool:
        """Only the value the chosen action uses must be valid: the bar submits every select."""
        super().validate(extra_validators)
        used = self.VALUE_FIELDS.get(self.action.data or "")
        for name in set(self.VALUE_FIELDS.values()) - {used}:
            self[name].errors = []
        return not self.errors


class SavedViewForm(FlaskForm):
    name = StringField("View name", validators=[InputRequired(), Length(max=80)])
    query = HiddenField()


class MessageForm(FlaskForm):
    """A public reply or an internal note (the button decides), with files."""

    body = TextAreaField("Message", validators=[InputRequired("Write something first."), Length(max=100_000)])
    files = MultipleFileField("Attach files", validators=[EachFileAtMost(MAX_FILE_SIZE)])


class AssignForm(FlaskForm):
    assignee = SelectField("Assignee", default="")


class StatusForm(FlaskForm):
    status = SelectField("Status")


class PriorityForm(FlaskForm):
    priority = SelectField("Priority", choices=PRIORITY_CHOICES)


class CategoryForm(FlaskForm):
    catalog = SelectField("Category", default="")


class ServiceForm(FlaskForm):
    service = SelectField("Affected service", default="")


class SlaTickForm(FlaskForm):
    """The "workaround provided" and "resolved" buttons: the formal record of an SLA target."""

    target = SelectField("Target", choices=[SelectChoice(SlaTarget.WORKAROUND.value), SelectChoice(SlaTarget.RESOLUTION.value)])


class WatcherForm(FlaskForm):
    email = StringField("Add a watcher", validators=[InputRequired(), Length(max=320)])


class UnwatchForm(FlaskForm):
    user_id = HiddenField(validators=[InputRequired(), Regexp(r"^\d{1,18}$")])


class LinkForm(FlaskForm):
    other = StringField("Ticket", validators=[InputRequired(), Regexp(TICKET_NUMBER, message="A ticket number, like #12.")])
    kind = SelectField("Link", choices=[SelectChoice(LinkKind.RELATED.value, "Related to"), SelectChoice(LinkKind.FOLLOW_UP.value, "Follow-up of")])


class MergeForm(FlaskForm):
    target = StringField("Merge into", validators=[InputRequired(), Regexp(TICKET_NUMBER, message="A ticket number, like #12.")])
