"""Business time: working hours per weekday in a time zone, minus holidays and pauses.

All instants in and out are aware UTC datetimes. Working hours are wall-clock times in the
calendar's zone, so a working day across a DST change is still 08:00-17:00 local (and one
hour shorter or longer in UTC terms only if the change falls inside it)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property, lru_cache
from zoneinfo import ZoneInfo

import holidays as holiday_calendars

Interval = tuple[datetime, datetime]
HORIZON_DAYS = 3 * 366
"""How far ahead a due time is searched: a target that needs longer has no due time."""


@lru_cache(maxsize=64)
def _national_holidays(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    return frozenset(holiday_calendars.country_holidays(country, subdiv=subdivision, years=year))


@dataclass(frozen=True)
class BusinessCalendar:
    timezone: str = "UTC"
    hours: dict[int, tuple[tuple[time, time], ...]] = field(
        default_factory=lambda: {day: ((time(8), time(17)),) for day in range(5)}
    )
    """Weekday (0 = Monday) -> working periods that day, local wall-clock times. An end of
    00:00 is midnight at the end of that day, so (00:00, 00:00) is the whole day."""
    country: str | None = None
    subdivision: str | None = None
    extra_holidays: frozenset[date] = frozenset()

    @cached_property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_holiday(self, day: date) -> bool:
        if day in self.extra_holidays:
            return True
        if self.country is None:
            return False
        return day in _national_holidays(self.country, self.subdivision, day.year)

    def working_periods(self, start: datetime) -> Iterator[Interval]:
        """Working intervals (UTC) from `start` on, in order, clipped to start."""
        local_day = start.astimezone(self.zone).date()
        for offset in range(HORIZON_DAYS):
            day = local_day + timedelta(days=offset)
            if self.is_holiday(day):
                continue
            for begin, end in self.hours.get(day.weekday(), ()):
                a = datetime.combine(day, begin, self.zone).astimezone(UTC)
                b = datetime.combine(day + timedelta(days=1) if end == time.min else day, end, self.zone).astimezone(UTC)
                if b > start:
                    yield max(a, start), b


def _minus_pauses(period: Interval, pauses: Sequence[Interval]) -> Iterator[Interval]:
    """The parts of `period` outside every pause (pauses sorted, closed intervals)."""
    cursor, end = period
    for pause_start, pause_end in pauses:
        if pause_end <= cursor or pause_start >= end:
            continue
        if pause_start > cursor:
            yield cursor, pause_start
        cursor = max(cursor, pause_end)
        if cursor >= end:
            return
    if cursor < end:
        yield cursor, end


def _running(calendar: BusinessCalendar, start: datetime, pauses: Iterable[Interval]) -> Iterator[Interval]:
    ordered = sorted(pauses)
    for period in calendar.working_periods(start):
        yield from _minus_pauses(period, ordered)


def due_at(calendar: BusinessCalendar, start: datetime, target: timedelta, pauses: Iterable[Interval] = ()) -> datetime | None:
    """When `target` of business time, not counting pauses, has run from `start`."""
    remaining = target
    for a, b in _running(calendar, start, pauses):
        if b - a >= remaining:
            return a + remaining
        remaining -= b - a
    return None


def elapsed(calendar: BusinessCalendar, start: datetime, until: datetime, pauses: Iterable[Interval] = ()) -> timedelta:
    """Business time between `start` and `until`, not counting pauses."""
    total = timedelta()
    if until <= start:
        return total
    for a, b in _running(calendar, start, pauses):
        if a >= until:
            break
        total += min(b, until) - a
    return total
