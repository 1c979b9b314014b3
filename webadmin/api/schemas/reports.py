"""Reports as the API gives them: the same titled tables the report pages and exports show."""

from __future__ import annotations

from datetime import date

from pydantic import Field

from webadmin.api.schemas.common import DbId, Query, Reply


class ReportQuery(Query):
    """The report pages' filter. Without dates: the last 30 days up to today (UTC)."""

    start: date | None = None
    end: date | None = None
    group_id: DbId | None = None
    category_id: DbId | None = None
    agent_id: DbId | None = Field(None, description="Tickets assigned to this staff member.")


class ReportTable(Reply):
    key: str
    title: str
    columns: list[str]
    rows: list[list[str | int | float | None]] = Field(description="Durations in hours; days and times as ISO 8601.")


class Report(Reply):
    name: str
    title: str
    description: str
    start: date
    end: date
    tables: list[ReportTable]
