"""The SLA compliance report: per policy and target (first response, workaround, resolution),
how many of the clocks of the tickets created in the range were met in time, breached, or
are still pending; and the breached ones listed.

A clock (`ticket_sla_clocks`, core.models.sla) is breached when the worker marked it so,
when it is overdue now and unmet, when it was met after its due time, or when the business
time recorded at meeting it exceeds its target: the ticket list's "breached" filter
(core.sla.list_queries) asks the same. Met is met in time; pending is neither yet."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from core.models import SlaPolicy, SlaTarget, Ticket, TicketSlaClock
from core.reports.period import ReportFilter
from core.reports.table import ChartHint, ChartKind, Table

BREACHED_LISTED = 1000
"""The breached list stops here (newest due first); the counts above it are complete."""


def clock_breached(now: datetime) -> ColumnElement[bool]:
    clock = TicketSlaClock
    # Every part is TRUE or FALSE, never NULL (a paused clock has no due time), so NOT works.
    overdue = and_(clock.due_at.is_not(None), clock.due_at <= now, or_(clock.met_at.is_(None), clock.met_at > clock.due_at))
    over_target = and_(clock.met_business_seconds.is_not(None), clock.met_business_seconds > clock.target_minutes * 60)
    return or_(clock.breached_at.is_not(None), overdue, over_target)


@dataclass(frozen=True, slots=True)
class ComplianceRow:
    policy: str
    target: SlaTarget
    met: int
    breached: int
    pending: int

    @property
    def met_share(self) -> float | None:
        """Met in time, in percent of the clocks that are decided (met or breached)."""
        decided = self.met + self.breached
        return round(100 * self.met / decided, 1) if decided else None


@dataclass(frozen=True, slots=True)
class BreachedClock:
    number: int
    title: str
    policy: str
    target: SlaTarget
    due_at: datetime | None
    met_at: datetime | None


@dataclass(frozen=True, slots=True)
class SlaReport:
    spec: ReportFilter
    rows: tuple[ComplianceRow, ...]
    breached: tuple[BreachedClock, ...]

    def tables(self) -> list[Table]:
        compliance = Table(
            "compliance", "Compliance per policy and target",
            ("Policy / target", "Met", "Breached", "Pending", "Met in time (%)"),
            tuple((f"{row.policy} / {row.target.label}", row.met, row.breached, row.pending, row.met_share) for row in self.rows),
            ChartHint(ChartKind.HORIZONTAL_BAR, 0, (1, 2, 3)),
        )  # fmt: skip
        listed = Table(
            "breached", "Breached targets",
            ("Ticket", "Title", "Policy", "Target", "Due", "Met"),
            tuple((f"#{item.number}", item.title, item.policy, item.target.label, item.due_at, item.met_at) for item in self.breached),
        )  # fmt: skip
        return [compliance, listed]


def _scope(spec: ReportFilter) -> list[ColumnElement[bool]]:
    return [*spec.in_range(Ticket.created_at), *spec.ticket_conditions()]


def _counts(session: Session, spec: ReportFilter, now: datetime) -> list[ComplianceRow]:
    breached = clock_breached(now)
    met = and_(TicketSlaClock.met_at.is_not(None), ~breached)
    query = (
        select(SlaPolicy.name, TicketSlaClock.target,
               func.count().filter(met), func.count().filter(breached), func.count().filter(and_(TicketSlaClock.met_at.is_(None), ~breached)))
        .join(Ticket, Ticket.id == TicketSlaClock.ticket_id)
        .join(SlaPolicy, SlaPolicy.id == Ticket.sla_policy_id)
        .where(*_scope(spec))
        .group_by(SlaPolicy.name, TicketSlaClock.target)
    )  # fmt: skip
    order = {target: position for position, target in enumerate(SlaTarget)}
    rows = [ComplianceRow(name, SlaTarget(target), int(m or 0), int(b or 0), int(p or 0)) for name, target, m, b, p in session.execute(query)]
    return sorted(rows, key=lambda row: (row.policy.lower(), order[row.target]))


def _breached(session: Session, spec: ReportFilter, now: datetime) -> list[BreachedClock]:
    query: Any = (
        select(Ticket.id, Ticket.title, SlaPolicy.name, TicketSlaClock.target, TicketSlaClock.due_at, TicketSlaClock.met_at)
        .join(Ticket, Ticket.id == TicketSlaClock.ticket_id)
        .join(SlaPolicy, SlaPolicy.id == Ticket.sla_policy_id)
        .where(*_scope(spec), clock_breached(now))
        .order_by(case((TicketSlaClock.due_at.is_(None), 1), else_=0), TicketSlaClock.due_at.desc(), Ticket.id.desc())
        .limit(BREACHED_LISTED)
    )
    return [BreachedClock(number, title, policy, SlaTarget(target), due, met) for number, title, policy, target, due, met in session.execute(query)]


def sla_report(session: Session, spec: ReportFilter, now: datetime) -> SlaReport:
    return SlaReport(spec, tuple(_counts(session, spec, now)), tuple(_breached(session, spec, now)))
