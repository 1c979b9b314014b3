"""Tickets in and out per UTC day, and the backlog (open tickets) at the end of each day.

The backlog is counted backwards from now: the open tickets now, minus what came in, plus
what went out on every later day. Every figure is an indexed range scan from the range's
first day on (tickets by `created_at`, status events by `(field, created_at)`); no ticket's
whole history is replayed."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from core.models import Ticket, TicketEvent
from core.reports.events import is_reopening, is_resolution, is_status_change
from core.reports.sql import utc_day
from core.ticket_queries import OPEN_STATUSES


@dataclass(slots=True)
class DayFlow:
    created: int = 0
    resolved: int = 0
    reopened: int = 0

    @property
    def net(self) -> int:
        """How much this day grew the backlog."""
        return self.created - self.resolved + self.reopened


def daily_flows(session: Session, conditions: list[ColumnElement[bool]], since: datetime) -> dict[date, DayFlow]:
    """Per UTC day from `since` on: tickets created, resolved and reopened (core.reports.events)."""
    flows: dict[date, DayFlow] = defaultdict(DayFlow)
    day = utc_day(Ticket.created_at).label("day")
    created = select(day, func.count()).where(Ticket.created_at >= since, *conditions).group_by(day)
    for value, count in session.execute(created):
        flows[date.fromisoformat(value)].created = count
    for value, resolved, reopened in session.execute(_status_changes(conditions, since)):
        flow = flows[date.fromisoformat(value)]
        flow.resolved, flow.reopened = int(resolved or 0), int(reopened or 0)
    return dict(flows)


def _status_changes(conditions: list[ColumnElement[bool]], since: datetime) -> Select[Any]:
    day = utc_day(TicketEvent.created_at).label("day")
    resolutions, reopenings = is_resolution(), is_reopening()
    query = select(
        day,
        func.count().filter(resolutions).label("resolved"),
        func.count().filter(reopenings).label("reopened"),
    ).where(is_status_change(), TicketEvent.created_at >= since, resolutions | reopenings)
    if conditions:
        query = query.join(Ticket, Ticket.id == TicketEvent.ticket_id).where(*conditions)
    return query.group_by(day)


def open_now(session: Session, conditions: list[ColumnElement[bool]]) -> int:
    query = select(func.count()).select_from(Ticket).where(Ticket.status.in_(sorted(OPEN_STATUSES)), *conditions)
    return int(session.scalar(query) or 0)


def backlog_by_day(open_tickets: int, flows: dict[date, DayFlow], days: list[date]) -> dict[date, int]:
    """Open tickets at the end of each of `days`: `open_tickets` (now) minus the net growth of
    every later day that has flows."""
    later = sorted(flows, reverse=True)
    backlog: dict[date, int] = {}
    running, position = open_tickets, 0
    for day in sorted(days, reverse=True):
        while position < len(later) and later[position] > day:
            running -= flows[later[position]].net
            position += 1
        backlog[day] = running
    return backlog
