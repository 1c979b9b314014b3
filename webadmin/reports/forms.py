"""The reports' filter (a GET form: no CSRF token, nothing changes) and the import upload."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired, FileSize
from wtforms import DateField, SelectChoice, SelectField
from wtforms.validators import Optional, ValidationError

from core.reports.period import MAX_DAYS, ReportFilter
from webadmin.forms import MAX_FILE_SIZE, MIB

DEFAULT_DAYS = 30
FILTER_FIELDS = ("start", "end", "catalog", "agent")


class ReportFilterForm(FlaskForm):
    class Meta:
        csrf = False

    start = DateField("From", validators=[Optional()])
    end = DateField("To", validators=[Optional()])
    catalog = SelectField("Group or category", default="")
    agent = SelectField("Agent", default="")

    def validate_end(self, field: DateField) -> None:
        start, end = self.start.data, field.data
        if start and end and end < start:
            raise ValidationError("The range ends before it starts.")
        if start and end and (end - start).days + 1 > MAX_DAYS:
            raise ValidationError(f"Choose at most {MAX_DAYS} days.")

    def report_filter(self, today: date) -> ReportFilter:
        """The form's values; an empty date means the last DEFAULT_DAYS days up to today."""
        end = self.end.data or today
        start = self.start.data or min(end, today) - timedelta(days=DEFAULT_DAYS - 1)
        kind, _, catalog_id = (self.catalog.data or "").partition(":")
        agent = self.agent.data or ""
        return ReportFilter(
            start, end,
            group_id=int(catalog_id) if kind == "g" else None,
            category_id=int(catalog_id) if kind == "c" else None,
            agent_id=int(agent) if agent.isdigit() else None,
        )  # fmt: skip

    def args(self, spec: ReportFilter) -> dict[str, Any]:
        """The query string of `spec` as this form reads it (for export links)."""
        return {"start": spec.start.isoformat(), "end": spec.end.isoformat(),
                "catalog": self.catalog.data or None, "agent": self.agent.data or None}  # fmt: skip


class ImportForm(FlaskForm):
    kind = SelectField("Import", choices=[SelectChoice("tickets", "Tickets"), SelectChoice("users", "Users")])
    file = FileField(
        "CSV or XLSX file",
        validators=[
            FileRequired("Choose a file."),
            FileAllowed(["csv", "xlsx"], "Choose a .csv or .xlsx file."),
            FileSize(MAX_FILE_SIZE, message=f"The file may be at most {MAX_FILE_SIZE // MIB} MiB."),
        ],
    )
