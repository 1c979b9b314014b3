"""A ticket's SLA targets as pages show them: due time, business time left, paused, met or
breached with the recorded time. Read live from the ticket's start and pauses (core.sla.clock),
so a paused ticket shows when it would be due if it resumed now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from core.models import SlaTarget, Status, Ticket
from core.sla.calendars import business_calendar
from core.sla.clock import ClockState, read_clock
from core.sla.durations import format_span
from core.sla.tracking import pauses_until

TARGET_ORDER = {target: position for position, target in enumerate(SlaTarget)}


@dataclass(frozen=True, slots=True)
class TargetReading:
    target: SlaTarget
    target_minutes: int
    state: ClockState
    due: datetime | None
    remaining: timedelta | None
    """Business time left (negative once overdue); for a met target, what was left then."""
    met_at: datetime | None
    recorded: timedelta | None
    """The business time recorded when the target was met."""
    breached_at: datetime | None
    stopped: bool
    """The ticket is closed: its unmet clocks stand still for good."""

    @property
    def label(self) -> str:
        return self.target.label

    @property
    def remaining_text(self) -> str:
        return format_span(self.remaining) if self.remaining is not None else ""

    @property
    def recorded_text(self) -> str:
        return format_span(self.recorded) if self.recorded is not None else ""

    @property
    def target_text(self) -> str:
        return format_span(timedelta(minutes=self.target_minutes))


def read_targets(ticket: Ticket, now: datetime) -> list[TargetReading]:
    """The ticket's targets in the order first response, workaround, resolution; none without a policy."""
    policy = ticket.sla_policy
    if policy is None:
        return []
    calendar = business_calendar(policy.calendar)
    readings = []
    for clock in sorted(ticket.sla_clocks, key=lambda item: TARGET_ORDER[item.target]):
        until = clock.met_at or now
        target = timedelta(minutes=clock.target_minutes)
        reading = read_clock(calendar, ticket.created_at, target, pauses_until(ticket, until), now, clock.met_at)
        recorded = timedelta(seconds=clock.met_business_seconds) if clock.met_business_seconds is not None else None
        readings.append(TargetReading(
            target=clock.target, target_minutes=clock.target_minutes, state=reading.state, due=reading.due,
            remaining=reading.remaining, met_at=clock.met_at, recorded=recorded,
            breached_at=clock.breached_at, stopped=ticket.status is Status.CLOSED and clock.met_at is None,
        ))  # fmt: skip
    return readings
