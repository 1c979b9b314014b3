"""`/admin/`: the staff panel's landing page. Open tickets by status, unassigned, waiting on
the customer, mine, due soon and breached (each a link to the list so filtered), tickets created and resolved
per day over the last 30 days as a chart with its table, and the average first response
and resolution time of this week against last week."""

from __future__ import annotations

from flask import render_template
from flask.typing import ResponseReturnValue

from core.models import utcnow
from core.reports.dashboard import dashboard
from webadmin.auth import signed_in_user
from webadmin.db import get_session
from webadmin.reports.charts import chart_src
from webadmin.staff import bp


@bp.route("/")
def index() -> ResponseReturnValue:
    board = dashboard(get_session(), signed_in_user().id, utcnow())
    trend = board.trend_table()
    return render_template("admin/dashboard.html", board=board, trend=trend, chart=chart_src(trend))


@bp.app_template_filter("duration")
def duration(seconds: float | None) -> str:
    """`45 min`, `3 h 20 min`, `2 d 5 h`; a dash for nothing measured."""
    if seconds is None:
        return "—"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"
