"""The agent report: per staff member, tickets assigned to them in the range, resolutions and
reopenings of the tickets they hold, their median times, and their reopen rate.

- Assigned: assignment events in the range naming them (a ticket assigned to them twice
  counts twice).
- Resolved and reopened: status events in the range (core.reports.events) on the tickets
  currently assigned to them.
- Reopen rate: reopenings / resolutions.
- Median first response and resolution: as in the speed report, for their tickets."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.models import Role, Ticket, TicketEvent, User
from core.reports.events import is_reopening, is_resolution, is_status_change
from core.reports.period import ReportFilter
from core.reports.speed import speed_by
from core.reports.sql import DurationStats
from core.reports.table import ChartHint, ChartKind, Table, hours

ASSIGNEE_FIELD = "assignee"


@dataclass(frozen=True, slots=True)
class AgentRow:
    agent_id: int
    label: str
    assigned: int
    resolved: int
    reopened: int
    first_response: DurationStats
    resolution: DurationStats

    @property
    def reopen_rate(self) -> float | None:
        """Reopenings per resolution, as a share (0.25 = 25 %); None without resolutions."""
        return round(self.reopened / self.resolved, 4) if self.resolved else None

    def cells(self) -> tuple[Any, ...]:
        return (self.label, self.assigned, self.resolved, self.reopened,
                None if self.reopen_rate is None else round(100 * self.reopen_rate, 1),
                hours(self.first_response.median), hours(self.resolution.median))  # fmt: skip


@dataclass(frozen=True, slots=True)
class AgentReport:
    spec: ReportFilter
    rows: tuple[AgentRow, ...]

    def tables(self) -> list[Table]:
        columns = ("Agent", "Assigned", "Resolved", "Reopened", "Reopen rate (%)",
                   "First response median (h)", "Resolution median (h)")  # fmt: skip
        chart = ChartHint(ChartKind.HORIZONTAL_BAR, 0, (1, 2, 3))
        return [Table("agents", "Agents", columns, tuple(row.cells() for row in self.rows), chart)]


def _staff(session: Session, spec: ReportFilter) -> list[User]:
    query = select(User).where(User.role.in_([Role.ADMIN, Role.AGENT])).order_by(User.name, User.email)
    if spec.agent_id is not None:
        query = query.where(User.id == spec.agent_id)
    else:
        query = query.where(User.active.is_(True))
    return list(session.scalars(query))


def _assigned(session: Session, spec: ReportFilter) -> dict[str, int]:
    """Assignment events in the range, by the assignee's address (events keep addresses)."""
    query = (
        select(TicketEvent.new_value, func.count())
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .where(TicketEvent.field == ASSIGNEE_FIELD, *spec.in_range(TicketEvent.created_at), TicketEvent.new_value.is_not(None))
        .where(*spec.ticket_conditions())
        .group_by(TicketEvent.new_value)
    )
    return {address: count for address, count in session.execute(query)}


def _status_counts(session: Session, spec: ReportFilter) -> dict[int | None, tuple[int, int]]:
    """(resolutions, reopenings) in the range, by the ticket's current assignee."""
    resolutions, reopenings = is_resolution(), is_reopening()
    query = (
        select(Ticket.assignee_id, func.count().filter(resolutions), func.count().filter(reopenings))
        .join(Ticket, Ticket.id == TicketEvent.ticket_id)
        .where(is_status_change(), *spec.in_range(TicketEvent.created_at), resolutions | reopenings)
        .where(*spec.ticket_conditions())
        .group_by(Ticket.assignee_id)
    )
    return {assignee: (int(done or 0), int(again or 0)) for assignee, done, again in session.execute(query)}


def agent_report(session: Session, spec: ReportFilter) -> AgentReport:
    assigned = _assigned(session, spec)
    counts = _status_counts(session, spec)
    speed = speed_by(session, spec, Ticket.assignee_id)
    empty = (DurationStats(), DurationStats())
    rows = [
        AgentRow(user.id, user.name or user.email, assigned.get(user.email, 0), *counts.get(user.id, (0, 0)), *speed.get(user.id, empty))
        for user in _staff(session, spec)
    ]
    return AgentReport(spec, tuple(rows))
