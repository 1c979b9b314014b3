"""The figures of the staff dashboard: open tickets by status, unassigned, waiting on the
customer, mine, due soon and breached (the ticket list's SLA filters, core.sla.list_queries);
tickets created and resolved per day over the last 30 days; average first response and
resolution time this week against last week (weeks start on Monday, UTC)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from core.models import Status, Ticket
from core.reports.flows import DayFlow, daily_flows
from core.reports.period import ReportFilter
from core.reports.speed import speed_by
from core.reports.sql import OVERALL, DurationStats
from core.reports.table import ChartHint, ChartKind, Table
from core.sla.list_queries import DueFilter, due_condition
from core.ticket_queries import OPEN_STATUSES

TREND_DAYS = 30
OPEN_IN_ORDER = tuple(status for status in Status if status in OPEN_STATUSES)


@dataclass(frozen=True, slots=True)
class WeekSpeed:
    first_response: DurationStats
    resolution: DurationStats


@dataclass(frozen=True, slots=True)
class Dashboard:
    open_by_status: tuple[tuple[Status, int], ...]
    unassigned: int
    mine: int
    due_soon: int
    breached: int
    daily: tuple[tuple[date, DayFlow], ...]
    this_week: WeekSpeed
    last_week: WeekSpeed

    @property
    def open_total(self) -> int:
        return sum(count for _status, count in self.open_by_status)

    @property
    def waiting_on_customer(self) -> int:
        return dict(self.open_by_status)[Status.WAITING_ON_CUSTOMER]

    def trend_table(self) -> Table:
        return Table(
            "created_resolved", f"Created and resolved, last {TREND_DAYS} days", ("Day", "Created", "Resolved"),
            tuple((day, flow.created, flow.resolved) for day, flow in self.daily),
            ChartHint(ChartKind.BAR, 0, (1, 2)),
        )  # fmt: skip


def _open_counts(session: Session) -> tuple[tuple[Status, int], ...]:
    query = select(Ticket.status, func.count()).where(Ticket.status.in_(OPEN_IN_ORDER)).group_by(Ticket.status)
    counts = {status: count for status, count in session.execute(query)}
    return tuple((status, counts.get(status, 0)) for status in OPEN_IN_ORDER)


def _count_open(session: Session, condition: ColumnElement[bool]) -> int:
    query = select(func.count()).select_from(Ticket).where(Ticket.status.in_(OPEN_IN_ORDER), condition)
    return int(session.scalar(query) or 0)


def _week_speed(session: Session, monday: date, last_day: date) -> WeekSpeed:
    first, done = speed_by(session, ReportFilter(monday, last_day), OVERALL).get(0, (DurationStats(), DurationStats()))
    return WeekSpeed(first, done)


def dashboard(session: Session, me_id: int, now: datetime) -> Dashboard:
    today = now.date()
    trend = ReportFilter.last_days(TREND_DAYS, today)
    flows = daily_flows(session, [], trend.since)
    monday = today - timedelta(days=today.weekday())
    return Dashboard(
        open_by_status=_open_counts(session),
        unassigned=_count_open(session, Ticket.assignee_id.is_(None)),
        mine=_count_open(session, Ticket.assignee_id == me_id),
        due_soon=_count_open(session, due_condition(DueFilter.DUE_SOON, now)),
        breached=_count_open(session, due_condition(DueFilter.BREACHED, now)),
        daily=tuple((day, flows.get(day, DayFlow())) for day in trend.each_day()),
        this_week=_week_speed(session, monday, today),
        last_week=_week_speed(session, monday - timedelta(days=7), monday - timedelta(days=1)),
    )
