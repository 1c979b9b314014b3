"""What admins type into the SLA forms: durations, working hours, company holidays; and a
stored calendar turned into business-time arithmetic."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from core.errors import InvalidInput
from core.models import SlaCalendar, SlaCalendarHoliday, SlaCalendarHours
from core.sla.calendar import due_at
from core.sla.calendars import (
    business_calendar,
    describe_hours,
    format_periods,
    parse_holidays,
    parse_periods,
)
from core.sla.durations import format_minutes, format_span, parse_minutes


@pytest.mark.parametrize(("text", "minutes"), [("45", 45), ("4h", 240), ("30m", 30), ("1h 30m", 90), (" 2H15M ", 135), ("", None)])
def test_durations(text: str, minutes: int | None) -> None:
    assert parse_minutes(text) == minutes


@pytest.mark.parametrize("text", ["soon", "4 hours", "1d", "0", "0m", "4h tomorrow", "9999999h"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_minutes(text)


def test_durations_read_back() -> None:
    assert [format_minutes(m) for m in (45, 60, 90, 125)] == ["45m", "1h", "1h 30m", "2h 05m"]
    assert format_span(timedelta(hours=2, minutes=5, seconds=59)) == "2h 05m"
    assert format_span(-timedelta(hours=1, minutes=10)) == "-1h 10m"
    assert format_span(timedelta(seconds=20)) == "0m"


def test_working_hours() -> None:
    assert parse_periods("13:00-17:00, 08:00-12:00") == [(480, 720), (780, 1020)]
    assert parse_periods("00:00-24:00") == [(0, 1440)]
    assert parse_periods("") == []
    assert format_periods([(480, 720), (780, 1020)]) == "08:00-12:00, 13:00-17:00"


@pytest.mark.parametrize("text", ["8-17", "17:00-08:00", "08:00-25:00", "08:61-09:00", "08:00-12:00, 11:00-13:00", "24:00-24:00"])
def test_bad_working_hours_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_periods(text)


def test_company_holidays() -> None:
    assert parse_holidays("2026-12-24 Christmas Eve\n\n2026-12-31") == {date(2026, 12, 24): "Christmas Eve", date(2026, 12, 31): ""}
    with pytest.raises(InvalidInput, match="24.12.2026"):
        parse_holidays("24.12.2026 Christmas Eve")


def test_a_stored_calendar_counts_like_the_arithmetic() -> None:
    """Mon-Fri 08:00-17:00 Berlin, Saturday all day, Bavarian holidays plus a company day off."""
    row = SlaCalendar(name="Munich", timezone="Europe/Berlin", country="DE", subdivision="BY")
    row.hours = [SlaCalendarHours(weekday=day, start_minute=480, end_minute=1020) for day in range(5)]
    row.hours.append(SlaCalendarHours(weekday=5, start_minute=0, end_minute=1440))
    row.holidays = [SlaCalendarHoliday(day=date(2026, 12, 28), name="team day")]
    calendar = business_calendar(row)
    # Thursday 24 Dec 16:00 Berlin: 1h on Thursday; 25/26 Dec are holidays (26th a Saturday, but a holiday);
    # Sunday is off, Monday 28th is the company's day off, so the second hour ends Tuesday 09:00.
    assert due_at(calendar, datetime(2026, 12, 24, 15, 0, tzinfo=UTC), timedelta(hours=2)) == datetime(2026, 12, 29, 8, 0, tzinfo=UTC)
    # A Saturday counts all 24 hours: 16 hours from Saturday 08:00 local end at midnight.
    assert due_at(calendar, datetime(2026, 11, 28, 7, 0, tzinfo=UTC), timedelta(hours=16)) == datetime(2026, 11, 28, 23, 0, tzinfo=UTC)
    assert describe_hours(row) == "Mon 08:00-17:00; Tue 08:00-17:00; Wed 08:00-17:00; Thu 08:00-17:00; Fri 08:00-17:00; Sat 00:00-24:00"
