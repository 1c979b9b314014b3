"""Business-time arithmetic: weekends, holidays, DST, pauses across nights, short targets."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.sla.calendar import BusinessCalendar, due_at, elapsed

BERLIN = ZoneInfo("Europe/Berlin")
OFFICE = BusinessCalendar(timezone="Europe/Berlin", country="DE", subdivision="BY")


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN).astimezone(UTC)


def test_a_target_shorter_than_the_rest_of_the_day() -> None:
    assert due_at(OFFICE, berlin(2026, 11, 24, 10, 0), timedelta(hours=2)) == berlin(2026, 11, 24, 12, 0)


def test_friday_afternoon_runs_over_the_weekend() -> None:
    assert due_at(OFFICE, berlin(2026, 11, 27, 15, 0), timedelta(hours=4)) == berlin(2026, 11, 30, 10, 0)


def test_opened_at_night_starts_next_morning() -> None:
    assert due_at(OFFICE, berlin(2026, 11, 24, 22, 0), timedelta(hours=1)) == berlin(2026, 11, 25, 9, 0)


def test_national_and_added_holidays_are_skipped() -> None:
    christmas = berlin(2026, 12, 24, 16, 0)  # 25 and 26 December are public holidays in Bavaria
    assert due_at(OFFICE, christmas, timedelta(hours=2)) == berlin(2026, 12, 28, 9, 0)
    with_extra = BusinessCalendar(timezone="Europe/Berlin", country="DE", subdivision="BY", extra_holidays=frozenset({date(2026, 12, 28)}))
    assert due_at(with_extra, christmas, timedelta(hours=2)) == berlin(2026, 12, 29, 9, 0)


def test_dst_change_keeps_local_working_hours() -> None:
    """Summer time ends on Sunday 25 October 2026: Monday still opens at 08:00 Berlin time."""
    due = due_at(OFFICE, berlin(2026, 10, 23, 16, 0), timedelta(hours=2))
    assert due == berlin(2026, 10, 26, 9, 0)
    assert due == datetime(2026, 10, 26, 8, 0, tzinfo=UTC)


def test_a_pause_across_the_night_is_not_counted() -> None:
    start = berlin(2026, 11, 24, 15, 0)
    pause = (berlin(2026, 11, 24, 16, 0), berlin(2026, 11, 25, 10, 0))
    assert due_at(OFFICE, start, timedelta(hours=3), [pause]) == berlin(2026, 11, 25, 12, 0)
    assert elapsed(OFFICE, start, berlin(2026, 11, 25, 12, 0), [pause]) == timedelta(hours=3)


def test_elapsed_counts_only_business_time() -> None:
    assert elapsed(OFFICE, berlin(2026, 11, 27, 16, 0), berlin(2026, 11, 30, 9, 30)) == timedelta(hours=2, minutes=30)
    assert elapsed(OFFICE, berlin(2026, 11, 30, 9, 0), berlin(2026, 11, 27, 9, 0)) == timedelta()


@pytest.mark.parametrize("minutes", [1, 59, 60, 61, 9 * 60, 9 * 60 + 1, 5 * 9 * 60, 23 * 9 * 60])
def test_due_and_elapsed_agree(minutes: int) -> None:
    start = berlin(2026, 11, 26, 13, 17)
    target = timedelta(minutes=minutes)
    due = due_at(OFFICE, start, target)
    assert due is not None and elapsed(OFFICE, start, due) == target


def test_split_shifts_and_a_calendar_without_working_time() -> None:
    shifts = BusinessCalendar(hours={0: ((time(8), time(12)), (time(13), time(17)))})
    assert due_at(shifts, datetime(2026, 11, 23, 11, 0, tzinfo=UTC), timedelta(hours=2)) == datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
    assert due_at(BusinessCalendar(hours={}), datetime(2026, 11, 23, tzinfo=UTC), timedelta(minutes=1)) is None


def test_a_whole_day_calendar_counts_the_long_night_of_the_dst_change() -> None:
    """00:00-24:00 every day in Berlin: Sunday 25 October 2026 has 25 hours, all of them counted."""
    always = BusinessCalendar(timezone="Europe/Berlin", hours={day: ((time(0), time(0)),) for day in range(7)})
    assert elapsed(always, berlin(2026, 10, 25, 0, 0), berlin(2026, 10, 26, 0, 0)) == timedelta(hours=25)
    start = berlin(2026, 10, 24, 12, 0)
    assert due_at(always, start, timedelta(hours=24)) == start + timedelta(hours=24) == berlin(2026, 10, 25, 11, 0)
