"""A ticket's SLA clocks through the ticket service, on SQLite and PostgreSQL: the policy is
chosen when the ticket opens and again when category, service or priority change; statuses
pause and resume the clocks (each an event); the first public staff reply and the explicit
ticks record the targets; a ticket without a policy has no clocks.

The SLA's "now" comes from a clock the test moves (core.sla.timesource); the calendar here
counts every hour, so a due time is the ticket's creation plus the target plus the pauses."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.catalog import add_path, resolve_path
from core.db import session_factory, unit_of_work
from core.errors import InvalidInput
from core.models import (
    MessageKind,
    Priority,
    Role,
    Service,
    SlaCalendar,
    SlaPolicy,
    SlaTarget,
    Source,
    Status,
    Ticket,
    TicketEvent,
    TicketSlaPause,
    User,
    utcnow,
)
from core.notify.identity import SESSION_KEY
from core.runtime import Runtime
from core.sla.calendars import CalendarFields, save_calendar
from core.sla.leads import set_leads
from core.sla.pausing import set_pausing
from core.sla.policies import PolicyFields, save_policy
from core.sla.services import add_service
from core.sla.ticks import record_resolution, record_target, record_workaround
from core.sla.timesource import CLOCK_KEY
from core.tickets import (
    MessageBody,
    add_message,
    assign,
    change_status,
    open_ticket,
    set_catalog,
    set_priority,
    set_service,
)
from core.users import add_user

ALWAYS = {weekday: [(0, 24 * 60)] for weekday in range(7)}
OFFICE = {weekday: [(8 * 60, 17 * 60)] for weekday in range(5)}


class FakeClock:
    """The SLA's time source in a test: stands still until moved."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def at(self, moment: datetime) -> datetime:
        self.now = moment
        return moment


def sessions_at(runtime: Runtime, clock: FakeClock) -> sessionmaker[Session]:
    """Sessions like the runtime's (they write notifications) whose SLA clock is `clock`."""
    return session_factory(runtime.engine, info={SESSION_KEY: runtime.mail_identity, CLOCK_KEY: clock})


def calendar(session: Session, name: str, hours: dict[int, list[tuple[int, int]]] = ALWAYS, timezone: str = "UTC") -> SlaCalendar:
    return save_calendar(session, None, CalendarFields(name=name, timezone=timezone, hours=hours))


def policy(
    session: Session, name: str, path: str, cal: SlaCalendar, *, first: int | None = None, workaround: int | None = None,
    resolution: int | None = None, priority: Priority | None = None, service: Service | None = None, warn: int = 75,
) -> SlaPolicy:
    return save_policy(session, None, PolicyFields(
        name=name, entry=resolve_path(session, path), calendar=cal, service=service, priority=priority,
        first_response_minutes=first, workaround_minutes=workaround, resolution_minutes=resolution, warn_percent=warn,
    ))  # fmt: skip


@dataclass(frozen=True)
class People:
    agent: int
    lead: int
    other_agent: int
    alice: int


def add_staff(session: Session, group_path: str = "IT") -> People:
    """An agent, a lead and a second agent (all members of the group), and Alice, a client."""
    group = resolve_path(session, group_path).group
    agent = add_user(session, "agent@corp.example", role=Role.AGENT, name="Agent")
    lead = add_user(session, "lead@corp.example", role=Role.AGENT, name="Lead")
    other = add_user(session, "other@corp.example", role=Role.AGENT, name="Other")
    alice = add_user(session, "alice@corp.example", role=Role.CLIENT, name="Alice")
    group.members = [agent, lead, other]
    session.flush()
    set_leads(session, group, [lead.id])
    return People(agent.id, lead.id, other.id, alice.id)


def open_in(session: Session, requester: User, path: str | None, priority: Priority = Priority.MEDIUM) -> Ticket:
    return open_ticket(
        session, requester=requester, title="Laptop will not boot", body=MessageBody(text="Black screen."),
        source=Source.EMAIL, message_kind=MessageKind.EMAIL_IN, catalog=resolve_path(session, path) if path else None,
        priority=priority,
    )  # fmt: skip


def events(session: Session, ticket: Ticket, *fields: str) -> list[tuple[str, str | None, str | None]]:
    query = select(TicketEvent).where(TicketEvent.ticket_id == ticket.id, TicketEvent.field.in_(fields)).order_by(TicketEvent.id)
    return [(event.field, event.old_value, event.new_value) for event in session.scalars(query)]


def due(ticket: Ticket) -> dict[SlaTarget, datetime | None]:
    return {clock.target: clock.due_at for clock in ticket.sla_clocks}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(utcnow())


@pytest.fixture
def world(runtime: Runtime, clock: FakeClock) -> Iterator[sessionmaker[Session]]:
    """The catalog IT, IT/Hardware, IT/Hardware/Laptops, Facilities; staff; one 24/7 calendar;
    a policy on IT/Hardware (1h, 4h, 8h) and a stricter one for high priority (30m, 2h, 4h)."""
    sessions = sessions_at(runtime, clock)
    with unit_of_work(sessions) as session:
        for path in ("IT", "IT/Hardware", "IT/Hardware/Laptops", "Facilities"):
            add_path(session, path)
        add_staff(session)
        cal = calendar(session, "Always")
        policy(session, "Hardware", "IT/Hardware", cal, first=60, workaround=240, resolution=480)
        policy(session, "Hardware, high", "IT/Hardware", cal, first=30, workaround=120, resolution=240, priority=Priority.HIGH)
    yield sessions


def alice(session: Session) -> User:
    found = session.scalar(select(User).where(User.email == "alice@corp.example"))
    assert found is not None
    return found


def staff(session: Session, email: str = "agent@corp.example") -> User:
    found = session.scalar(select(User).where(User.email == email))
    assert found is not None
    return found


def test_a_new_ticket_in_a_covered_category_starts_its_clocks(world: sessionmaker[Session]) -> None:
    with unit_of_work(world) as session:
        ticket = open_in(session, alice(session), "IT/Hardware/Laptops")
        start = ticket.created_at
        assert ticket.sla_policy is not None and ticket.sla_policy.name == "Hardware"
        assert due(ticket) == {
            SlaTarget.FIRST_RESPONSE: start + timedelta(hours=1),
            SlaTarget.WORKAROUND: start + timedelta(hours=4),
            SlaTarget.RESOLUTION: start + timedelta(hours=8),
        }
        assert ticket.sla_next_due_at == start + timedelta(hours=1)
        warn = {clock.target: clock.warn_at for clock in ticket.sla_clocks}
        assert warn[SlaTarget.FIRST_RESPONSE] == start + timedelta(minutes=45)
        assert events(session, ticket, "sla_policy") == [("sla_policy", None, "Hardware")]


def test_a_ticket_matching_no_policy_has_no_sla_but_keeps_its_pauses(world: sessionmaker[Session], clock: FakeClock) -> None:
    with unit_of_work(world) as session:
        ticket = open_in(session, alice(session), "Facilities")
        clock.advance(minutes=5)
        change_status(session, ticket, Status.WAITING_ON_CUSTOMER, actor=staff(session))
        assert ticket.sla_policy is None and ticket.sla_clocks == [] and ticket.sla_next_due_at is None
        assert events(session, ticket, "sla_policy", "sla_clock") == []
        assert [(pause.started_at, pause.ended_at) for pause in ticket.sla_pauses] == [(clock.now, None)]


def test_pause_and_resume_are_events_and_push_the_due_times(world: sessionmaker[Session], clock: FakeClock) -> None:
    with unit_of_work(world) as session:
        agent = staff(session)
        ticket = open_in(session, alice(session), "IT/Hardware")
        start = ticket.created_at
        clock.at(start + timedelta(minutes=10))
        change_status(session, ticket, Status.WAITING_ON_CUSTOMER, actor=agent)
        assert set(due(ticket).values()) == {None} and ticket.sla_next_due_at is None
        clock.advance(hours=1)
        add_message(session, ticket, author=alice(session), kind=MessageKind.EMAIL_IN, body=MessageBody(text="Still broken."))
        assert ticket.status is Status.NEW  # the requester's reply reopened it
        assert due(ticket)[SlaTarget.WORKAROUND] == start + timedelta(hours=5)
        assert ticket.sla_next_due_at == start + timedelta(hours=2)
        assert events(session, ticket, "sla_clock") == [("sla_clock", "running", "paused"), ("sla_clock", "paused", "running")]


def test_the_first_public_staff_reply_meets_the_first_response(world: sessionmaker[Session], clock: FakeClock) -> None:
    with unit_of_work(world) as session:
        agent = staff(session)
        ticket = open_in(session, alice(session), "IT/Hardware")
        clock.at(ticket.created_at + timedelta(minutes=20))
        add_message(session, ticket, author=agent, kind=MessageKind.NOTE, body=MessageBody(text="Looking."))
        first = next(c for c in ticket.sla_clocks if c.target is SlaTarget.FIRST_RESPONSE)
        assert first.met_at is None
        clock.advance(minutes=20)
        add_message(session, ticket, author=agent, kind=MessageKind.WEB, body=MessageBody(text="On it."))
        assert (first.met_at, first.met_business_seconds, first.met_in_time) == (clock.now, 40 * 60, True)
        assert ticket.sla_next_due_at == ticket.created_at + timedelta(hours=4)


def test_resolving_records_nothing_only_the_tick_does(world: sessionmaker[Session], clock: FakeClock) -> None:
    with unit_of_work(world) as session:
        agent = staff(session)
        ticket = open_in(session, alice(session), "IT/Hardware")
        clock.at(ticket.created_at + timedelta(hours=2))
        change_status(session, ticket, Status.RESOLVED, actor=agent)
        resolution = next(c for c in ticket.sla_clocks if c.target is SlaTarget.RESOLUTION)
        assert resolution.met_at is None
        clock.advance(hours=1)
        record_resolution(session, ticket, actor=agent)
        assert (resolution.met_at, resolution.met_business_seconds) == (clock.now, 3 * 3600)
        assert events(session, ticket, "sla_resolution") == [("sla_resolution", None, "3h")]
        with pytest.raises(InvalidInput, match="recorded already"):
            record_resolution(session, ticket, actor=agent)
        with pytest.raises(InvalidInput, match="first public reply"):
            record_target(session, ticket, SlaTarget.FIRST_RESPONSE, actor=agent)
        with pytest.raises(InvalidInput, match="only staff"):
            record_workaround(session, ticket, actor=alice(session))
        record_workaround(session, ticket, actor=agent)
        assert ticket.sla_next_due_at == ticket.created_at + timedelta(hours=1)  # only the first response is left


def test_a_ticket_without_the_target_cannot_be_ticked(world: sessionmaker[Session]) -> None:
    with unit_of_work(world) as session:
        ticket = open_in(session, alice(session), "Facilities")
        with pytest.raises(InvalidInput, match="has no workaround target"):
            record_workaround(session, ticket, actor=staff(session))


def test_a_priority_change_reselects_and_recomputes_from_the_start(world: sessionmaker[Session], clock: FakeClock) -> None:
    with unit_of_work(world) as session:
        agent = staff(session)
        ticket = open_in(session, alice(session), "IT/Hardware")
        start = ticket.created_at
        clock.at(start + timedelta(minutes=10))
        add_message(session, ticket, author=agent, kind=MessageKind.WEB, body=MessageBody(text="Hello."))
        change_status(session, ticket, Status.WAITING_ON_CUSTOMER, actor=agent)
        clock.advance(minutes=30)
        change_status(session, ticket, Status.IN_PROGRESS, actor=agent)
        clock.advance(minutes=5)
        set_priority(session, ticket, Priority.HIGH, actor=agent)
        assert ticket.sla_policy is not None and ticket.sla_policy.name == "Hardware, high"
        targets = {clock.target: clock.target_minutes for clock in ticket.sla_clocks}
        assert targets == {SlaTarget.FIRST_RESPONSE: 30, SlaTarget.WORKAROUND: 120, SlaTarget.RESOLUTION: 240}
        # From the ticket's start, the 30-minute pause kept: 2h and 4h become 2h30 and 4h30 after opening.
        assert due(ticket)[SlaTarget.WORKAROUND] == start + timedelta(hours=2, minutes=30)
        assert due(ticket)[SlaTarget.RESOLUTION] == start + timedelta(hours=4, minutes=30)
        first = next(c for c in ticket.sla_clocks if c.target is SlaTarget.FIRST_RESPONSE)
        assert (first.met_business_seconds, first.met_in_time) == (600, True)  # recorded under the old policy, kept
        assert events(session, ticket, "sla_policy")[-1] == ("sla_policy", "Hardware", "Hardware, high")
        set_priority(session, ticket, Priority.LOW, actor=agent)
        assert ticket.sla_policy.name == "Hardware" and due(ticket)[SlaTarget.WORKAROUND] == start + timedelta(hours=4, minutes=30)


def test_service_and_category_changes_reselect(world: sessionmaker[Session], clock: FakeClock) -> None:
    with unit_of_work(world) as session:
        agent = staff(session)
        mail = add_service(session, "Mail")
        cal = session.scalar(select(SlaCalendar))
        assert cal is not None
        policy(session, "Hardware, Mail", "IT/Hardware", cal, first=15, service=mail)
        ticket = open_in(session, alice(session), "IT/Hardware/Laptops")
        set_service(session, ticket, mail, actor=agent)
        assert ticket.sla_policy is not None and ticket.sla_policy.name == "Hardware, Mail"
        assert set(due(ticket)) == {SlaTarget.FIRST_RESPONSE}  # that policy sets one target only
        assert events(session, ticket, "service") == [("service", None, "Mail")]
        set_catalog(session, ticket, resolve_path(session, "Facilities"), actor=agent)
        assert ticket.sla_policy is None and ticket.sla_clocks == [] and ticket.sla_next_due_at is None
        assert events(session, ticket, "sla_policy")[-1] == ("sla_policy", "Hardware, Mail", None)


def test_the_pausing_statuses_are_the_admins_choice_and_closed_always_stops(world: sessionmaker[Session], clock: FakeClock) -> None:
    with unit_of_work(world) as session:
        set_pausing(session, [Status.IN_PROGRESS])
        agent = staff(session)
        ticket = open_in(session, alice(session), "IT/Hardware")
        assign(session, ticket, agent, actor=agent)
        change_status(session, ticket, Status.WAITING_ON_CUSTOMER, actor=agent)
        assert ticket.sla_pauses == []
        change_status(session, ticket, Status.IN_PROGRESS, actor=agent)
        assert [pause.ended_at for pause in ticket.sla_pauses] == [None]
        clock.advance(minutes=3)
        change_status(session, ticket, Status.RESOLVED, actor=agent)
        clock.advance(minutes=3)
        change_status(session, ticket, Status.CLOSED, actor=agent)
        pauses = session.scalars(select(TicketSlaPause).where(TicketSlaPause.ticket_id == ticket.id).order_by(TicketSlaPause.id))
        assert [pause.ended_at is None for pause in pauses] == [False, True]
        assert ticket.sla_next_due_at is None
