"""The periodic check of the SLA clocks (the worker runs it every minute).

At the warn share of a target the assignee is warned (the group's staff if nobody is
assigned); when a target runs out the group's leads are told (the assignee if the group has
no lead) and the clock is marked breached. A target met late, before the check saw it run
out, is marked breached the same way.

Exactly once per ticket and target, however many workers run: the due clock rows are
claimed with `SELECT ... FOR UPDATE SKIP LOCKED` (on PostgreSQL; SQLite has one writer at a
time anyway), and stamping `warned_at` / `breached_at`, the history event and the outbox rows
happen in the claiming transaction. A second worker skips the rows the first holds, and once
the first commits, the stamps keep them out of every later claim."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session, selectinload

from core.models import Ticket, TicketSlaClock, User
from core.notify.enqueue import enqueue
from core.notify.identity import identity_of
from core.sla.leads import active_leads
from core.tickets import record_event

BATCH = 100
WARNING_TEMPLATE, BREACH_TEMPLATE = "sla_warning", "sla_breach"


@dataclass(frozen=True, slots=True)
class CheckReport:
    warned: int = 0
    breached: int = 0

    def __add__(self, other: CheckReport) -> CheckReport:
        return CheckReport(self.warned + other.warned, self.breached + other.breached)


def warning_due(now: datetime) -> ColumnElement[bool]:
    """Unmet, not yet warned, past the warn share but not yet overdue (then the breach says it)."""
    clock = TicketSlaClock
    return and_(clock.warned_at.is_(None), clock.warn_at <= now, clock.due_at > now, clock.met_at.is_(None))


def breach_due(now: datetime) -> ColumnElement[bool]:
    """Not yet marked, overdue: unmet, or met after its due time."""
    clock = TicketSlaClock
    return and_(clock.breached_at.is_(None), clock.due_at <= now, or_(clock.met_at.is_(None), clock.met_at > clock.due_at))


def claim(session: Session, condition: ColumnElement[bool], limit: int) -> list[TicketSlaClock]:
    """Lock up to `limit` clock rows matching `condition` that no other worker holds."""
    query = (
        select(TicketSlaClock)
        .where(condition)
        .order_by(TicketSlaClock.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.scalars(query))


def _by_ticket(session: Session, clocks: Sequence[TicketSlaClock]) -> dict[Ticket, list[TicketSlaClock]]:
    ids = {clock.ticket_id for clock in clocks}
    tickets = session.scalars(
        select(Ticket).where(Ticket.id.in_(ids)).options(selectinload(Ticket.assignee), selectinload(Ticket.group))
    )
    found = {ticket.id: ticket for ticket in tickets}
    grouped: dict[Ticket, list[TicketSlaClock]] = defaultdict(list)
    for clock in clocks:
        grouped[found[clock.ticket_id]].append(clock)
    return grouped


def warning_recipients(session: Session, ticket: Ticket) -> list[User]:
    if ticket.assignee is not None:
        return [ticket.assignee]
    members = ticket.group.members if ticket.group is not None else []
    return [member for member in members if member.is_staff and member.active]


def breach_recipients(session: Session, ticket: Ticket) -> list[User]:
    leads = active_leads(session, ticket.group_id) if ticket.group_id is not None else []
    return leads or ([ticket.assignee] if ticket.assignee is not None else [])


def _notify(
    session: Session,
    clocks: Sequence[TicketSlaClock],
    template: str,
    recipients: Callable[[Session, Ticket], list[User]],
) -> None:
    """One history event and one mail per recipient for each ticket, naming its targets."""
    identity = identity_of(session)
    for ticket, ticket_clocks in _by_ticket(session, clocks).items():
        targets = ", ".join(clock.target.value for clock in ticket_clocks)
        record_event(session, ticket, None, template, None, targets)
        if identity is None:
            continue
        for recipient in recipients(session, ticket):
            enqueue(session, identity, ticket=ticket, template=template, recipient=recipient, automatic=True, throttled=False)


def check_clocks(session: Session, now: datetime, limit: int = BATCH) -> CheckReport:
    """Warn and mark breaches for up to `limit` clocks each, in the caller's transaction."""
    warned = claim(session, warning_due(now), limit)
    for clock in warned:
        clock.warned_at = now
    breached = claim(session, breach_due(now), limit)
    for clock in breached:
        clock.breached_at = now
    session.flush()
    _notify(session, warned, WARNING_TEMPLATE, warning_recipients)
    _notify(session, breached, BREACH_TEMPLATE, breach_recipients)
    return CheckReport(len(warned), len(breached))
