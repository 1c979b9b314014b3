"""One ticket's life against its SLA, on SQLite and PostgreSQL, with a clock the test moves:
office hours Mon-Fri 08:00-17:00 UTC, triage files the ticket, a warning, the first reply, a
night-long wait for the customer, a priority raised mid-way, a late workaround with its breach,
a resolution recorded in time. Every due time, warning and breach is checked where it happens.

Policy "Desk laptops": first response 1h, workaround 4h, resolution 16h, warning at 75%;
"Desk laptops, high" gives the resolution 12h instead."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.catalog import add_path, resolve_path
from core.db import unit_of_work
from core.models import MessageKind, OutboxMessage, Priority, SlaTarget, Status, Ticket
from core.runtime import Runtime
from core.sla.clock import ClockState
from core.sla.readings import read_targets
from core.sla.ticks import record_resolution, record_workaround
from core.tickets import (
    MessageBody,
    add_message,
    assign,
    change_status,
    set_catalog,
    set_priority,
)
from postdesk.worker.sla_checks import check_sla
from tests.test_sla_tracking import (
    OFFICE,
    FakeClock,
    add_staff,
    alice,
    calendar,
    events,
    open_in,
    policy,
    sessions_at,
    staff,
)

FR, WA, RES = SlaTarget.FIRST_RESPONSE, SlaTarget.WORKAROUND, SlaTarget.RESOLUTION


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """Monday 23 November 2026 is day 0."""
    return datetime(2026, 11, 23, hour, minute, tzinfo=UTC) + timedelta(days=day)


MON, TUE, WED, THU = 0, 1, 2, 3


def clocks(session: Session, number: int) -> dict[SlaTarget, tuple[datetime | None, datetime | None]]:
    """(due, warn) of each clock."""
    ticket = session.get(Ticket, number)
    assert ticket is not None
    return {clock.target: (clock.due_at, clock.warn_at) for clock in ticket.sla_clocks}


def sent(runtime: Runtime) -> list[tuple[str, str]]:
    with runtime.sessions() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.template.like("sla_%")).order_by(OutboxMessage.id))
        return [(row.template, row.recipients) for row in rows]


def check(runtime: Runtime, moment: datetime) -> tuple[int, int]:
    report = check_sla(runtime, now=moment)
    return report.warned, report.breached


def test_a_ticket_through_its_service_levels(runtime: Runtime) -> None:
    clock = FakeClock(at(MON, 16))
    sessions: sessionmaker[Session] = sessions_at(runtime, clock)
    with unit_of_work(sessions) as session:
        for path in ("Desk", "Desk/Laptops"):
            add_path(session, path)
        add_staff(session, "Desk")
        office = calendar(session, "Office", OFFICE)
        policy(session, "Desk laptops", "Desk/Laptops", office, first=60, workaround=240, resolution=960)
        policy(session, "Desk laptops, high", "Desk/Laptops", office, first=60, workaround=240, resolution=720, priority=Priority.HIGH)
        ticket = open_in(session, alice(session), "Desk")
        ticket.created_at = at(MON, 16)  # opened Monday 16:00, in the group only: no policy yet
        number = ticket.id
        assert ticket.sla_policy is None

    # Monday 16:10, triage: the category brings the policy; the clocks count from 16:00.
    with unit_of_work(sessions) as session:
        ticket = session.get(Ticket, number)
        assert ticket is not None
        clock.at(at(MON, 16, 10))
        set_catalog(session, ticket, resolve_path(session, "Desk/Laptops"), actor=staff(session))
        assign(session, ticket, staff(session), actor=staff(session))
        assert clocks(session, number) == {
            FR: (at(MON, 17), at(MON, 16, 45)),
            WA: (at(TUE, 11), at(TUE, 10)),
            RES: (at(WED, 14), at(WED, 10)),
        }
        assert ticket.sla_next_due_at == at(MON, 17)

    assert check(runtime, at(MON, 16, 44)) == (0, 0)
    assert check(runtime, at(MON, 16, 46)) == (1, 0)
    assert check(runtime, at(MON, 16, 47)) == (0, 0)
    assert sent(runtime) == [("sla_warning", "agent@corp.example")]

    # 16:50: the first public reply meets the first response after 50 business minutes.
    with unit_of_work(sessions) as session:
        ticket = session.get(Ticket, number)
        assert ticket is not None
        clock.at(at(MON, 16, 50))
        add_message(session, ticket, author=staff(session), kind=MessageKind.WEB, body=MessageBody(text="Please try F12."))
        first = next(c for c in ticket.sla_clocks if c.target is FR)
        assert (first.met_at, first.met_business_seconds, first.met_in_time) == (at(MON, 16, 50), 50 * 60, True)
        assert ticket.sla_next_due_at == at(TUE, 11)
    assert check(runtime, at(MON, 17, 30)) == (0, 0)

    # Tuesday 09:00 until Wednesday 09:00: waiting for the customer, nine business hours paused.
    with unit_of_work(sessions) as session:
        ticket = session.get(Ticket, number)
        assert ticket is not None
        clock.at(at(TUE, 9))
        change_status(session, ticket, Status.WAITING_ON_CUSTOMER, actor=staff(session))
        assert clocks(session, number)[WA] == (None, None) and ticket.sla_next_due_at is None
    assert check(runtime, at(TUE, 12)) == (0, 0)  # the workaround would be overdue by now, were it running
    with unit_of_work(sessions) as session:
        ticket = session.get(Ticket, number)
        assert ticket is not None
        clock.at(at(WED, 9))
        add_message(session, ticket, author=alice(session), kind=MessageKind.EMAIL_IN, body=MessageBody(text="F12 did nothing."))
        assert ticket.status is Status.IN_PROGRESS
        # 2h used (Monday 16-17, Tuesday 8-9); the workaround's other 2h end 11:00, its 3h mark is 10:00.
        assert clocks(session, number)[WA] == (at(WED, 11), at(WED, 10))
        assert clocks(session, number)[RES] == (at(THU, 14), at(THU, 10))

    # Wednesday 09:30: the priority goes up; the resolution is recomputed from Monday 16:00, the pause kept.
    with unit_of_work(sessions) as session:
        ticket = session.get(Ticket, number)
        assert ticket is not None
        clock.at(at(WED, 9, 30))
        set_priority(session, ticket, Priority.HIGH, actor=staff(session))
        assert clocks(session, number)[RES] == (at(THU, 10), at(WED, 16))
        assert clocks(session, number)[WA] == (at(WED, 11), at(WED, 10))
        assert events(session, ticket, "sla_policy")[-1] == ("sla_policy", "Desk laptops", "Desk laptops, high")

    assert check(runtime, at(WED, 10, 1)) == (1, 0)
    assert check(runtime, at(WED, 11, 1)) == (0, 1)
    assert sent(runtime)[1:] == [("sla_warning", "agent@corp.example"), ("sla_breach", "lead@corp.example")]

    # 11:30: the workaround, half an hour late (4h30 of business time).
    with unit_of_work(sessions) as session:
        ticket = session.get(Ticket, number)
        assert ticket is not None
        clock.at(at(WED, 11, 30))
        workaround = record_workaround(session, ticket, actor=staff(session))
        assert (workaround.met_business_seconds, workaround.met_in_time) == (4 * 3600 + 1800, False)
    assert check(runtime, at(WED, 16, 1)) == (1, 0)  # the resolution's 75%

    # Thursday 09:00 resolved (nothing recorded), 09:30 the resolution ticked: 11h30 of 12h.
    with unit_of_work(sessions) as session:
        ticket = session.get(Ticket, number)
        assert ticket is not None
        clock.at(at(THU, 9))
        change_status(session, ticket, Status.RESOLVED, actor=staff(session))
        assert next(c for c in ticket.sla_clocks if c.target is RES).met_at is None
        clock.at(at(THU, 9, 30))
        resolution = record_resolution(session, ticket, actor=staff(session))
        assert (resolution.met_business_seconds, resolution.met_in_time) == (11 * 3600 + 1800, True)
        assert ticket.sla_next_due_at is None
    assert check(runtime, at(THU, 10, 30)) == (0, 0)
    assert check(runtime, at(THU + 7, 10)) == (0, 0)

    assert sent(runtime) == [
        ("sla_warning", "agent@corp.example"), ("sla_warning", "agent@corp.example"),
        ("sla_breach", "lead@corp.example"), ("sla_warning", "agent@corp.example"),
    ]
    with unit_of_work(sessions) as session:
        ticket = session.get(Ticket, number)
        assert ticket is not None
        readings = {reading.target: reading for reading in read_targets(ticket, at(THU, 11))}
        assert [readings[target].state for target in (FR, WA, RES)] == [ClockState.MET, ClockState.BREACHED, ClockState.MET]
        assert readings[WA].recorded_text == "4h 30m" and readings[RES].recorded_text == "11h 30m"
        assert [field for field, _, _ in events(session, ticket, "sla_clock", "sla_warning", "sla_breach",
                                                  "sla_workaround", "sla_resolution")] == [
            "sla_warning", "sla_clock", "sla_clock", "sla_warning", "sla_breach", "sla_workaround", "sla_warning",
            "sla_resolution",
        ]  # fmt: skip
