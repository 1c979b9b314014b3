"""Business calendars as admins keep them: working hours per weekday written as text
(`08:00-12:00, 13:00-17:00`), a time zone, a country (and subdivision) for the national
holidays, and company holidays (`2026-12-24 Christmas Eve`, one a line).

A calendar's edit applies to the due times computed from then on (a ticket's clocks are
recomputed when its policy is selected again); due times already stored stay as they were."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, time
from functools import cache
from itertools import pairwise
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import holidays
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import InvalidInput
from core.models import SlaCalendar, SlaCalendarHoliday, SlaCalendarHours, SlaPolicy
from core.sla.calendar import BusinessCalendar
from core.sla.refusals import FieldRefused, check_name

DAY_MINUTES = 24 * 60
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
Period = tuple[int, int]
"""Minutes after local midnight: (480, 1020) is 08:00-17:00; an end of 1440 is midnight."""

_PERIOD = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")


def _minute(hours: str, minutes: str, *, end: bool) -> int:
    value = int(hours) * 60 + int(minutes)
    if int(minutes) > 59 or value > DAY_MINUTES or (value == DAY_MINUTES and not end):
        raise InvalidInput(f"{hours}:{minutes} is not a time of day")
    return value


def parse_periods(text: str) -> list[Period]:
    """`08:00-12:00, 13:00-17:00` -> [(480, 720), (780, 1020)]; empty text is a day off."""
    periods: list[Period] = []
    for part in (piece.strip() for piece in text.split(",")):
        if not part:
            continue
        found = _PERIOD.match(part)
        if found is None:
            raise InvalidInput(f"{part!r} is not a period; write e.g. 08:00-17:00")
        start, end = _minute(*found.group(1, 2), end=False), _minute(*found.group(3, 4), end=True)
        if end <= start:
            raise InvalidInput(f"{part}: the end must come after the start (24:00 is midnight)")
        periods.append((start, end))
    periods.sort()
    for (_, first_end), (second_start, _) in pairwise(periods):
        if second_start < first_end:
            raise InvalidInput("the periods of a day must not overlap")
    return periods


def format_periods(periods: Iterable[Period]) -> str:
    return ", ".join(f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}" for start, end in periods)


def describe_hours(row: SlaCalendar) -> str:
    """`Mon 08:00-17:00; Tue 08:00-12:00, 13:00-17:00`, the days without hours left out."""
    days = []
    for weekday, name in enumerate(WEEKDAYS):
        periods = [(period.start_minute, period.end_minute) for period in row.hours if period.weekday == weekday]
        if periods:
            days.append(f"{name[:3]} {format_periods(periods)}")
    return "; ".join(days) or "no working hours"


def parse_holidays(text: str) -> dict[date, str]:
    """One `YYYY-MM-DD [name]` a line -> {day: name}."""
    days: dict[date, str] = {}
    for line in (raw.strip() for raw in text.splitlines()):
        if not line:
            continue
        first, _, name = line.partition(" ")
        try:
            day = date.fromisoformat(first)
        except ValueError:
            raise InvalidInput(f"{line!r} does not start with a date like 2026-12-24") from None
        days[day] = name.strip()[:200]
    return days


def format_holidays(rows: Iterable[SlaCalendarHoliday]) -> str:
    return "\n".join(f"{row.day.isoformat()} {row.name}".strip() for row in rows)


@cache
def time_zones() -> list[str]:
    return sorted(available_timezones())


@cache
def countries() -> dict[str, str]:
    """Two-letter code -> name, for every country the `holidays` package knows."""
    names = {codes[1]: codes[0] for codes in holidays.registry.COUNTRIES.values()}
    return dict(sorted((code, names.get(code, code)) for code in holidays.list_supported_countries() if len(code) == 2))


def subdivisions(country: str) -> list[str]:
    return list(holidays.list_supported_countries().get(country, []))


def _minutes_time(minute: int) -> time:
    return time(0) if minute == DAY_MINUTES else time(minute // 60, minute % 60)


def business_calendar(row: SlaCalendar) -> BusinessCalendar:
    """The arithmetic's view of a stored calendar."""
    hours: dict[int, list[tuple[time, time]]] = {}
    for period in row.hours:
        hours.setdefault(period.weekday, []).append((_minutes_time(period.start_minute), _minutes_time(period.end_minute)))
    return BusinessCalendar(
        timezone=row.timezone,
        hours={weekday: tuple(periods) for weekday, periods in hours.items()},
        country=row.country,
        subdivision=row.subdivision,
        extra_holidays=frozenset(holiday.day for holiday in row.holidays),
    )


@dataclass(frozen=True)
class CalendarFields:
    name: str
    timezone: str = "UTC"
    country: str | None = None
    subdivision: str | None = None
    hours: Mapping[int, list[Period]] = field(default_factory=dict)
    holidays: Mapping[date, str] = field(default_factory=dict)


def _check(session: Session, row: SlaCalendar | None, fields: CalendarFields) -> None:
    check_name(session, SlaCalendar, row.id if row else None, fields.name, "calendar")
    try:
        ZoneInfo(fields.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise FieldRefused("timezone", f"{fields.timezone!r} is not a time zone like Europe/Berlin") from None
    if fields.country is not None and fields.country not in countries():
        raise FieldRefused("country", f"no national holidays are known for {fields.country!r}")
    if fields.subdivision is not None and fields.subdivision not in subdivisions(fields.country or ""):
        known = ", ".join(subdivisions(fields.country or "")) or "none"
        raise FieldRefused("subdivision", f"{fields.subdivision!r} is not a subdivision of {fields.country}; known: {known}")


def save_calendar(session: Session, row: SlaCalendar | None, fields: CalendarFields) -> SlaCalendar:
    """Create (row None) or replace a calendar; FieldRefused names the field that is wrong."""
    _check(session, row, fields)
    if row is None:
        row = SlaCalendar(name=fields.name)
        session.add(row)
    row.name, row.timezone, row.country, row.subdivision = fields.name, fields.timezone, fields.country, fields.subdivision
    row.hours = [
        SlaCalendarHours(weekday=weekday, start_minute=start, end_minute=end)
        for weekday, periods in sorted(fields.hours.items())
        for start, end in periods
    ]
    row.holidays = [SlaCalendarHoliday(day=day, name=name) for day, name in sorted(fields.holidays.items())]
    session.flush()
    return row


def delete_calendar(session: Session, row: SlaCalendar) -> None:
    """Only a calendar no policy uses."""
    used = session.scalar(select(func.count()).select_from(SlaPolicy).where(SlaPolicy.calendar_id == row.id)) or 0
    if used:
        raise InvalidInput(f"{used} polic{'y uses' if used == 1 else 'ies use'} the calendar {row.name!r}; change them first")
    session.delete(row)
    session.flush()
