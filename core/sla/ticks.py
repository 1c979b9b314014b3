"""The formal record of a workaround and a resolution: a staff member ticks it explicitly.

A status change alone never records either (resolving a ticket is not the same as recording
that its resolution target was met): this is the double count of the running clock and the
recorded times. The time recorded is the clock's business time at the tick."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from core.errors import InvalidInput
from core.models import SlaTarget, Ticket, TicketSlaClock, User
from core.sla.durations import format_span
from core.sla.timesource import sla_now
from core.sla.tracking import clock_of, meet, refresh
from core.tickets import record_event

TICKED = (SlaTarget.WORKAROUND, SlaTarget.RESOLUTION)


def record_target(session: Session, ticket: Ticket, target: SlaTarget, *, actor: User) -> TicketSlaClock:
    """Record `target` (workaround or resolution) as met now; an event says by whom and after
    how much business time. InvalidInput if the ticket has no such target or it is recorded."""
    if target not in TICKED:
        raise InvalidInput(f"{target.label.lower()} is recorded by the first public reply, not ticked")
    if not actor.is_staff:
        raise InvalidInput("only staff record service-level targets")
    clock = clock_of(ticket, target) if ticket.sla_policy is not None else None
    if clock is None:
        raise InvalidInput(f"ticket {ticket.reference} has no {target.label.lower()} target")
    if clock.met_at is not None:
        raise InvalidInput(f"the {target.label.lower()} of {ticket.reference} was recorded already")
    now = sla_now(session)
    meet(ticket, clock, now)
    refresh(ticket, now)
    recorded = format_span(timedelta(seconds=clock.met_business_seconds or 0))
    record_event(session, ticket, actor, f"sla_{target.value}", None, recorded)
    return clock


def record_workaround(session: Session, ticket: Ticket, *, actor: User) -> TicketSlaClock:
    return record_target(session, ticket, SlaTarget.WORKAROUND, actor=actor)


def record_resolution(session: Session, ticket: Ticket, *, actor: User) -> TicketSlaClock:
    return record_target(session, ticket, SlaTarget.RESOLUTION, actor=actor)
