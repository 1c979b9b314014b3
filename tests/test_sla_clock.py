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


def test_a_policy_change_mid_way_recomputes_from_the_start_with_the_pauses_kept() -> None:
    """Two business hours on Monday, paused overnight until Tuesday 10:00, an hour more: 3h used."""
    pauses = [(MON_9 + timedelta(hours=2), MON_9 + timedelta(days=1, hours=1))]
    now = MON_9 + timedelta(days=1, hours=2)
    four = read_clock(CAL, MON_9, HOURS_4, pauses, now)
    assert (four.used, four.due, four.state) == (timedelta(hours=3), MON_9 + timedelta(days=1, hours=3), ClockState.RUNNING)
    longer = read_clock(CAL, MON_9, timedelta(hours=8), pauses, now)
    assert (longer.used, longer.due, longer.remaining) == (timedelta(hours=3), MON_9 + timedelta(days=1, hours=7), timedelta(hours=5))
    shorter = read_clock(CAL, MON_9, timedelta(hours=2), pauses, now)
    assert (shorter.state, shorter.due) == (ClockState.BREACHED, MON_9 + timedelta(hours=2))


def test_a_target_shorter_than_what_is_left_of_the_day() -> None:
    reading = read_clock(CAL, MON_9 + timedelta(hours=6), timedelta(minutes=20), [], MON_9 + timedelta(hours=6, minutes=5))
    assert reading.due == MON_9 + timedelta(hours=6, minutes=20) and reading.remaining == timedelta(minutes=15)
