"""A ticket's SLA clocks: choosing its policy, pausing and resuming, and keeping the stored
due times (`ticket_sla_clocks.due_at`, `warn_at`, `tickets.sla_next_due_at`) current.

The ticket service (core.tickets) calls in at each change that matters: a new ticket
(`start`), a status change (`follow_status`), a change of category, service or priority
(`reselect`), the first public staff reply (`first_response`). Each returns the changes the
ticket's history should show (field, old, new), and the ticket service records them as
events, so the history says when the clocks paused, resumed and changed policy.

Every clock counts business time from the ticket's creation, leaving out the pauses. A
ticket's pauses are kept whether or not it has a policy, so a policy chosen later (the
category was set by triage) starts with the right clocks. While a ticket is paused its
unmet clocks have no due time: when they will run out depends on when it resumes."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from core.contracts import contract_policy
from core.models import SlaTarget, Ticket, TicketSlaClock, TicketSlaPause
from core.sla.calendar import BusinessCalendar, Interval, due_at, elapsed
from core.sla.calendars import business_calendar
from core.sla.pausing import pausing_statuses
from core.sla.policies import policy_for
from core.sla.selection import TicketKeys
from core.sla.timesource import sla_now

SlaChange = tuple[str, str | None, str | None]
CLOCK_FIELD = "sla_clock"
"""History field of a pause (`running` -> `paused`) and a resume (`paused` -> `running`)."""
POLICY_FIELD = "sla_policy"
RUNNING, PAUSED = "running", "paused"


def ticket_keys(ticket: Ticket) -> TicketKeys:
    """Read through the relationships: a catalog entry or service just set on the ticket has
    not reached its foreign-key column yet (that happens at the next flush)."""
    ids = [item.id if item is not None else None for item in (ticket.group, ticket.category, ticket.subcategory, ticket.service)]
    return TicketKeys(*ids, priority=ticket.priority)


def open_pause(ticket: Ticket) -> TicketSlaPause | None:
    return next((pause for pause in ticket.sla_pauses if pause.ended_at is None), None)


def pauses_until(ticket: Ticket, moment: datetime) -> list[tuple[datetime, datetime | None]]:
    """The pauses that began before `moment`, cut off there; an open one stays open."""
    return [
        (pause.started_at, None if pause.ended_at is None else min(pause.ended_at, moment))
        for pause in ticket.sla_pauses
        if pause.started_at < moment
    ]


def closed_pauses(ticket: Ticket, moment: datetime) -> list[Interval]:
    """The pauses before `moment` as closed intervals: one still open counts until `moment`."""
    return [(start, end or moment) for start, end in pauses_until(ticket, moment)]


def clock_of(ticket: Ticket, target: SlaTarget) -> TicketSlaClock | None:
    return next((clock for clock in ticket.sla_clocks if clock.target is target), None)


def _place(clock: TicketSlaClock, calendar: BusinessCalendar, ticket: Ticket, warn_percent: int, now: datetime) -> None:
    """Recompute one clock's due (and warning) time from the ticket's start and pauses."""
    target = timedelta(minutes=clock.target_minutes)
    if clock.met_at is not None:
        clock.due_at = due_at(calendar, ticket.created_at, target, closed_pauses(ticket, clock.met_at))
        clock.warn_at = None
        return
    if open_pause(ticket) is not None:
        clock.due_at = clock.warn_at = None
        return
    pauses = closed_pauses(ticket, now)
    clock.due_at = due_at(calendar, ticket.created_at, target, pauses)
    clock.warn_at = due_at(calendar, ticket.created_at, target * warn_percent / 100, pauses)
    # A new target (the policy changed) that is still ahead is warned and breached afresh.
    if clock.warn_at is not None and clock.warn_at > now:
        clock.warned_at = None
    if clock.due_at is not None and clock.due_at > now:
        clock.breached_at = None


def refresh(ticket: Ticket, now: datetime) -> None:
    """Bring every clock's stored due time, and the ticket's next due time, up to date."""
    policy = ticket.sla_policy
    if policy is None:
        ticket.sla_next_due_at = None
        return
    calendar = business_calendar(policy.calendar)
    for clock in ticket.sla_clocks:
        _place(clock, calendar, ticket, policy.warn_percent, now)
    upcoming = [clock.due_at for clock in ticket.sla_clocks if clock.met_at is None and clock.due_at is not None]
    ticket.sla_next_due_at = min(upcoming, default=None)


def meet(ticket: Ticket, clock: TicketSlaClock, moment: datetime) -> None:
    """Record the target as met at `moment`, with the business time its clock had run."""
    assert ticket.sla_policy is not None
    calendar = business_calendar(ticket.sla_policy.calendar)
    used = elapsed(calendar, ticket.created_at, moment, closed_pauses(ticket, moment))
    clock.met_at = moment
    clock.met_business_seconds = int(used.total_seconds())


def _sync_clocks(ticket: Ticket, now: datetime) -> None:
    """One clock per target of the ticket's policy, with the policy's current targets."""
    targets = ticket.sla_policy.target_minutes() if ticket.sla_policy else {}
    for target in SlaTarget:
        clock, minutes = clock_of(ticket, target), targets.get(target)
        if minutes is None:
            if clock is not None:
                ticket.sla_clocks.remove(clock)
            continue
        if clock is None:
            clock = TicketSlaClock(target=target, target_minutes=minutes)
            ticket.sla_clocks.append(clock)
        clock.target_minutes = minutes
    first_response = clock_of(ticket, SlaTarget.FIRST_RESPONSE)
    if first_response is not None and first_response.met_at is None and ticket.first_response_at is not None:
        meet(ticket, first_response, ticket.first_response_at)
    refresh(ticket, now)


def reselect(session: Session, ticket: Ticket) -> list[SlaChange]:
    """Choose the policy again (category, service or priority changed) and recompute the
    due times from the ticket's start, its pauses kept. Recorded (met) targets stay."""
    policy = contract_policy(session, ticket) or policy_for(session, ticket_keys(ticket))
    if policy is None and ticket.sla_policy is None:
        return []
    old = ticket.sla_policy
    ticket.sla_policy = policy
    _sync_clocks(ticket, sla_now(session))
    if old is policy:
        return []
    return [(POLICY_FIELD, old.name if old else None, policy.name if policy else None)]


def follow_status(session: Session, ticket: Ticket) -> list[SlaChange]:
    """Pause when the ticket enters a pausing status, resume when it leaves them. The pause is
    kept for every ticket; the history event only for one with a policy (others have no clocks)."""
    should_pause = ticket.status in pausing_statuses(session)
    pause = open_pause(ticket)
    if should_pause == (pause is not None):
        return []
    now = sla_now(session)
    if pause is None:
        ticket.sla_pauses.append(TicketSlaPause(started_at=now))
        change: SlaChange = (CLOCK_FIELD, RUNNING, PAUSED)
    else:
        pause.ended_at = now
        change = (CLOCK_FIELD, PAUSED, RUNNING)
    if ticket.sla_policy is None:
        return []
    refresh(ticket, now)
    return [change]


def start(session: Session, ticket: Ticket) -> list[SlaChange]:
    """A new ticket: its policy chosen, and paused at once if it opens in a pausing status.

    A ticket just inserted has no clocks or pauses yet: its collections are set empty instead
    of being read back (two queries less for every new ticket, mail or web)."""
    set_committed_value(ticket, "sla_clocks", [])
    set_committed_value(ticket, "sla_pauses", [])
    return [*reselect(session, ticket), *follow_status(session, ticket)]


def first_response(session: Session, ticket: Ticket) -> None:
    """The first public staff reply meets the first-response target."""
    clock = clock_of(ticket, SlaTarget.FIRST_RESPONSE) if ticket.sla_policy is not None else None
    if clock is not None and clock.met_at is None:
        now = sla_now(session)
        meet(ticket, clock, now)
        refresh(ticket, now)
