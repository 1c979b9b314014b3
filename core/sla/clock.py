"""One SLA clock of a ticket: when it is due, how much business time is left, whether it is
paused, met or breached. Pure arithmetic over the business calendar; the database keeps the
ticket's start, its pause intervals and the recorded times."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from core.sla.calendar import BusinessCalendar, Interval, due_at, elapsed


class ClockState(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    MET = "met"
    BREACHED = "breached"


@dataclass(frozen=True)
class ClockReading:
    due: datetime | None
    remaining: timedelta | None
    """Business time left (negative once overdue); None when the clock has no target."""
    state: ClockState
    used: timedelta
    """Business time the clock has run, pauses not counted."""


def _closed(pauses: Sequence[tuple[datetime, datetime | None]], now: datetime) -> list[Interval]:
    """An open pause (still waiting on the customer) counts as lasting until `now`."""
    return [(start, end or now) for start, end in pauses]


def read_clock(
    calendar: BusinessCalendar,
    start: datetime,
    target: timedelta,
    pauses: Sequence[tuple[datetime, datetime | None]],
    now: datetime,
    met_at: datetime | None = None,
) -> ClockReading:
    until = met_at or now
    intervals = _closed(pauses, until)
    used = elapsed(calendar, start, until, intervals)
    due = due_at(calendar, start, target, intervals)
    if met_at is not None:
        state = ClockState.MET if used <= target else ClockState.BREACHED
    elif used > target:
        state = ClockState.BREACHED
    elif pauses and pauses[-1][1] is None:
        state = ClockState.PAUSED
    else:
        state = ClockState.RUNNING
    return ClockReading(due=due, remaining=target - used, state=state, used=used)
