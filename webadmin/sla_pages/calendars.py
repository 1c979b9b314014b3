"""Business calendars: the list, a new one, editing one (hours per weekday, time zone,
national holidays, company holidays), deleting one no policy uses."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms import SelectChoice

from core.models import SlaCalendar
from core.sla.calendars import (
    WEEKDAYS,
    CalendarFields,
    countries,
    delete_calendar,
    describe_hours,
    format_holidays,
    format_periods,
    parse_holidays,
    parse_periods,
    save_calendar,
    time_zones,
)
from webadmin.actions import action
from webadmin.db import get_or_404, get_session
from webadmin.sla_pages import bp
from webadmin.sla_pages.forms import CalendarForm
from webadmin.sla_pages.saving import form_page, save_form

OFFICE_HOURS = "08:00-17:00"


@bp.route("/calendars")
def calendars() -> ResponseReturnValue:
    rows = get_session().scalars(select(SlaCalendar).order_by(SlaCalendar.name))
    return render_template("admin/sla_calendars.html", calendars=list(rows), summary=describe_hours)



def _stored(row: SlaCalendar | None) -> dict[str, object]:
    """The form's values for a stored calendar, or a new one's defaults (office hours Mon-Fri)."""
    if row is None:
        return {"timezone": "UTC", **{f"hours_{weekday}": OFFICE_HOURS for weekday in range(5)}}
    values: dict[str, object] = {
        "name": row.name, "timezone": row.timezone, "country": row.country or "", "subdivision": row.subdivision or "",
        "holidays": format_holidays(row.holidays),
    }  # fmt: skip
    for weekday in range(len(WEEKDAYS)):
        values[f"hours_{weekday}"] = format_periods((p.start_minute, p.end_minute) for p in row.hours if p.weekday == weekday)
    return values


def _form(row: SlaCalendar | None) -> CalendarForm:
    form = CalendarForm(data=_stored(row))
    form.timezone.choices = [SelectChoice(zone) for zone in time_zones()]
    form.country.choices = [SelectChoice("", "None"), *(SelectChoice(code, f"{name} ({code})") for code, name in countries().items())]
    return form


def _fields(form: CalendarForm) -> CalendarFields:
    return CalendarFields(
        name=" ".join((form.name.data or "").split()),
        timezone=form.timezone.data or "UTC",
        country=form.country.data or None,
        subdivision=(form.subdivision.data or "").strip() or None,
        hours={weekday: parse_periods(field.data or "") for weekday, field in enumerate(form.hours_fields())},
        holidays=parse_holidays(form.holidays.data or ""),
    )


def _save(calendar_id: int | None) -> ResponseReturnValue:
    row = get_or_404(get_session(), SlaCalendar, calendar_id) if calendar_id is not None else None
    form = _form(row)

    def save(session: Session) -> str:
        return save_calendar(session, get_or_404(session, SlaCalendar, calendar_id) if calendar_id is not None else None, _fields(form)).name

    def page() -> ResponseReturnValue:
        return form_page(render_template("admin/sla_calendar_form.html", form=form, calendar=row), form)

    return save_form(form, page, save, "Calendar “{name}” saved.", url_for("sla.calendars"))


@bp.route("/calendars/new", methods=["GET", "POST"])
def new_calendar() -> ResponseReturnValue:
    return _save(None)


@bp.route("/calendars/<int:calendar_id>", methods=["GET", "POST"])
def calendar(calendar_id: int) -> ResponseReturnValue:
    return _save(calendar_id)


@bp.post("/calendars/<int:calendar_id>/delete")
def delete_calendar_page(calendar_id: int) -> ResponseReturnValue:
    with action("Calendar deleted.") as session:
        delete_calendar(session, get_or_404(session, SlaCalendar, calendar_id))
    return redirect(url_for("sla.calendars"), 303)
