"""The report pages: a filter (date range, group or category, agent), then each of the
report's tables with its chart beside it, and CSV (one table) or XLSX (all) downloads of
exactly what the page shows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from flask import Blueprint, Response, abort, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from core.export.reports import table_csv, tables_xlsx
from core.export.tickets import Format
from core.models import Group, User, utcnow
from core.reports.agents import agent_report
from core.reports.period import ReportFilter
from core.reports.sla import sla_report
from core.reports.speed import speed_report
from core.reports.table import Table
from core.reports.volume import volume_report
from webadmin.access import staff_only
from webadmin.db import get_session
from webadmin.reports.charts import chart_src
from webadmin.reports.forms import ReportFilterForm
from webadmin.staff.common import active_groups, catalog_choices, staff_choices, staff_members

bp = Blueprint("reports", __name__, url_prefix="/admin/reports")
bp.before_request(staff_only)


class Tabular(Protocol):
    def tables(self) -> list[Table]: ...


@dataclass(frozen=True, slots=True)
class ReportKind:
    title: str
    description: str
    build: Callable[[Session, ReportFilter], Tabular]


REPORTS: dict[str, ReportKind] = {
    "volume": ReportKind("Volume", "Tickets created, resolved and reopened, and the backlog, over time; "
                         "by category and by channel.", volume_report),
    "speed": ReportKind("Speed", "Time to first response and to resolution: median and 90th percentile, "
                        "per group and per agent.", speed_report),
    "agents": ReportKind("Agents", "Per agent: tickets assigned, resolved and reopened, median times, reopen rate.", agent_report),
    "sla": ReportKind("SLA", "Per SLA policy and target, for the tickets created in the range: met in time, breached, "
                      "pending; the breached targets listed.", lambda session, spec: sla_report(session, spec, utcnow())),
}  # fmt: skip


def filter_form(data: MultiDict[str, str], staff: list[User], groups: list[Group]) -> ReportFilterForm:
    form = ReportFilterForm(formdata=data)
    form.catalog.choices = catalog_choices(groups, none_label="All groups", subcategories=False)
    form.agent.choices = staff_choices(staff, none_label="All agents")
    return form


@bp.route("/")
def index() -> ResponseReturnValue:
    return render_template("admin/reports_index.html", reports=REPORTS)


@bp.route("/<name>")
def report(name: str) -> ResponseReturnValue:
    kind = REPORTS.get(name) or abort(404)
    session = get_session()
    form = filter_form(request.args, staff_members(session), active_groups(session))
    if not form.validate():
        return render_template("admin/reports.html", name=name, kind=kind, reports=REPORTS, form=form, sections=[], args={}), 400
    spec = form.report_filter(utcnow().date())
    tables = kind.build(session, spec).tables()
    wanted = request.args.get("format")
    if wanted:
        return download(name, spec, tables, wanted, request.args.get("table", ""))
    sections = [(table, chart_src(table)) for table in tables]
    return render_template("admin/reports.html", name=name, kind=kind, reports=REPORTS, form=form, sections=sections,
                           args=form.args(spec), spec=spec)  # fmt: skip


def download(name: str, spec: ReportFilter, tables: Sequence[Table], wanted: str, key: str) -> Response:
    stem = f"postdesk-{name}-{spec.start.isoformat()}-{spec.end.isoformat()}"
    if wanted == Format.XLSX.value:
        return _attachment(tables_xlsx(tables), Format.XLSX, f"{stem}.xlsx")
    if wanted == Format.CSV.value:
        table = next((table for table in tables if table.key == key), None) or abort(400, f"no table {key!r} in this report")
        return _attachment("".join(table_csv(table)).encode(), Format.CSV, f"{stem}-{table.key}.csv")
    abort(400, "format must be csv or xlsx")


def _attachment(body: bytes, fmt: Format, filename: str) -> Response:
    return Response(body, mimetype=fmt.media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'})
