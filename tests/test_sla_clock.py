"""SLA clock readings: running, paused (the due time moves), met, breached."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.sla.calendar import BusinessCalendar
from core.sla.clock import ClockState, read_clock

CAL = BusinessCalendar(timezone="UTC")
MON_9 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
HOURS_4 = timedelta(hours=4)


def test_running_clock() -> None:
    reading = read_clock(CAL, MON_9, HOURS_4, [], MON_9 + timedelta(hours=1))
    assert (reading.state, reading.due, reading.remaining) == (ClockState.RUNNING, MON_9 + HOURS_4, timedelta(hours=3))


def test_an_open_pause_holds_the_clock_and_pushes_the_due_time() -> None:
    now = MON_9 + timedelta(hours=3)
    reading = read_clock(CAL, MON_9, HOURS_4, [(MON_9 + timedelta(hours=1), None)], now)
    assert reading.state is ClockState.PAUSED
    assert reading.used == timedelta(hours=1)
    assert reading.due == MON_9 + timedelta(hours=3 + 3)


def test_closed_pause_across_the_night() -> None:
    pause = (MON_9 + timedelta(hours=6), MON_9 + timedelta(days=1, hours=1))
    reading = read_clock(CAL, MON_9, timedelta(hours=10), [pause], MON_9 + timedelta(days=1, hours=2))
    assert reading.used == timedelta(hours=7)
    assert reading.due == MON_9 + timedelta(days=1, hours=5)


def test_met_in_time_and_breached() -> None:
    assert read_clock(CAL, MON_9, HOURS_4, [], MON_9 + timedelta(days=3), met_at=MON_9 + timedelta(hours=2)).state is ClockState.MET
    late = read_clock(CAL, MON_9, HOURS_4, [], MON_9 + timedelta(days=3), met_at=MON_9 + timedelta(hours=5))
    assert late.state is ClockState.BREACHED and late.used == timedelta(hours=5)
    overdue = read_clock(CAL, MON_9, HOURS_4, [], MON_9 + timedelta(hours=6))
    assert overdue.state is ClockState.BREACHED and overdue.remaining == -timedelta(hours=2)
