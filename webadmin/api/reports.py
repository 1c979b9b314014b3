"""The staff's report routes, `GET /admin/reports/<name>`: volume, speed, agents, SLA.

Each is the report page's report (webadmin.reports.pages.REPORTS, computed by core.reports)
for the same filter, as the titled tables the page and its CSV/XLSX exports show."""

from __future__ import annotations

from datetime import date, timedelta

from core.models import utcnow
from core.reports.period import ReportFilter
from core.reports.table import Cell
from webadmin.api.bearer import Access
from webadmin.api.blueprint import api
from webadmin.api.errors import ApiError
from webadmin.api.operations import View
from webadmin.api.schemas.reports import Report, ReportQuery, ReportTable
from webadmin.db import get_session
from webadmin.reports.forms import DEFAULT_DAYS
from webadmin.reports.pages import REPORTS, ReportKind

LAST_DAY = date.max - timedelta(days=1)


def _cell(value: Cell) -> str | int | float | None:
    return value.isoformat() if isinstance(value, date) else value


def report_filter(query: ReportQuery) -> ReportFilter:
    """The query as the report pages read their form: the last DEFAULT_DAYS days by default."""
    today = utcnow().date()
    end = query.end or today
    if end > LAST_DAY:
        raise ApiError(422, "The range is out of the calendar.", fields={"end": f"at most {LAST_DAY.isoformat()}"})
    start = query.start or min(end, today) - timedelta(days=DEFAULT_DAYS - 1)
    return ReportFilter(start, end, group_id=query.group_id, category_id=query.category_id, agent_id=query.agent_id)


def _view(name: str, kind: ReportKind) -> View:
    def view(query: ReportQuery) -> Report:
        spec = report_filter(query)
        tables = [
            ReportTable(key=table.key, title=table.title, columns=list(table.columns),
                        rows=[[_cell(cell) for cell in row] for row in table.rows])
            for table in kind.build(get_session(), spec).tables()
        ]  # fmt: skip
        return Report(name=name, title=kind.title, description=kind.description, start=spec.start, end=spec.end, tables=tables)

    view.__name__ = f"{name}_report"
    view.__doc__ = f"The {kind.title.lower()} report as tables.\n{kind.description}"
    return view


for _name, _kind in REPORTS.items():
    api.operation("GET", f"/admin/reports/{_name}", tag="Staff: reports", access=Access.STAFF, query=ReportQuery, response=Report)(
        _view(_name, _kind)
    )
