"""The worker's SLA check on SQLite and PostgreSQL: who is warned and who hears of a breach,
each once per ticket and target; paused and met clocks are left alone; a target met late is
marked breached; the mails are real outbox rows rendered from the shipped templates."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from core.db import unit_of_work
from core.models import (
    MessageKind,
    OutboxMessage,
    SlaTarget,
    Status,
    Ticket,
    TicketSlaClock,
)
from core.runtime import Runtime
from core.sla.check import check_clocks
from core.sla.leads import set_leads
from core.sla.ticks import record_workaround
from core.tickets import MessageBody, add_message, assign, change_status
from postdesk.worker.sla_checks import check_sla
from tests import test_sla_tracking
from tests.test_sla_tracking import FakeClock, alice, events, open_in, staff

world, clock = test_sla_tracking.world, test_sla_tracking.clock
"""test_sla_tracking's fixtures: its catalog, staff, 24/7 calendar and two policies; the SLA's clock."""


def mails(session: Session, template: str) -> list[tuple[int | None, str]]:
    rows = session.scalars(select(OutboxMessage).where(OutboxMessage.template == template).order_by(OutboxMessage.id))
    return [(row.ticket_id, row.recipients) for row in rows]


def opened(sessions: sessionmaker[Session], path: str = "IT/Hardware", *, assigned: bool = False) -> tuple[int, datetime]:
    with unit_of_work(sessions) as session:
        ticket = open_in(session, alice(session), path)
        if assigned:
            assign(session, ticket, staff(session), actor=staff(session, "lead@corp.example"))
        return ticket.id, ticket.created_at


def test_the_assignee_is_warned_once_and_the_lead_hears_of_the_breach(world: sessionmaker[Session], runtime: Runtime) -> None:
    number, start = opened(world, assigned=True)
    assert check_sla(runtime, now=start + timedelta(minutes=44)).warned == 0
    first = check_sla(runtime, now=start + timedelta(minutes=46))
    again = check_sla(runtime, now=start + timedelta(minutes=50))
    assert (first.warned, first.breached, again.warned, again.breached) == (1, 0, 0, 0)
    breach = check_sla(runtime, now=start + timedelta(minutes=61))
    assert (breach.warned, breach.breached) == (0, 1)
    assert check_sla(runtime, now=start + timedelta(hours=3, minutes=1)).warned == 1  # the workaround's turn
    with unit_of_work(world) as session:
        assert mails(session, "sla_warning") == [(number, "agent@corp.example")] * 2
        assert mails(session, "sla_breach") == [(number, "lead@corp.example")]
        warning = session.scalars(select(OutboxMessage).where(OutboxMessage.template == "sla_warning")).first()
        assert warning is not None and warning.subject == f"[#{number}] Due soon: Laptop will not boot"
        assert "First response: due" in warning.body_text and "<- due soon" in warning.body_text
        first_response = session.scalar(select(TicketSlaClock).where(
            TicketSlaClock.ticket_id == number, TicketSlaClock.target == SlaTarget.FIRST_RESPONSE))  # fmt: skip
        assert first_response is not None
        assert (first_response.warned_at, first_response.breached_at) == (start + timedelta(minutes=46), start + timedelta(minutes=61))
        assert [new for _, _, new in events(session, session.get(Ticket, number), "sla_warning", "sla_breach")] == [
            "first_response", "first_response", "workaround",
        ]


def test_an_unassigned_ticket_warns_the_group_and_a_group_without_leads_tells_the_assignee(
    world: sessionmaker[Session], runtime: Runtime
) -> None:
    number, start = opened(world)
    check_sla(runtime, now=start + timedelta(minutes=50))
    with unit_of_work(world) as session:
        assert sorted(recipient for _, recipient in mails(session, "sla_warning")) == [
            "agent@corp.example", "lead@corp.example", "other@corp.example",
        ]
    with unit_of_work(world) as session:
        ticket = session.get(Ticket, number)
        assert ticket is not None and ticket.group is not None
        set_leads(session, ticket.group, [])
        assign(session, ticket, staff(session, "other@corp.example"), actor=None)
    check_sla(runtime, now=start + timedelta(minutes=61))
    with unit_of_work(world) as session:
        assert mails(session, "sla_breach") == [(number, "other@corp.example")]


def test_paused_and_met_clocks_are_left_alone_and_a_late_record_is_a_breach(
    world: sessionmaker[Session], runtime: Runtime, clock: FakeClock
) -> None:
    number, start = opened(world, assigned=True)
    with unit_of_work(world) as session:
        ticket = session.get(Ticket, number)
        assert ticket is not None
        clock.at(start + timedelta(minutes=10))
        add_message(session, ticket, author=staff(session), kind=MessageKind.WEB, body=MessageBody(text="Hello."))
        change_status(session, ticket, Status.WAITING_ON_CUSTOMER, actor=staff(session))
    nothing = check_sla(runtime, now=start + timedelta(days=3))
    assert (nothing.warned, nothing.breached) == (0, 0)
    with unit_of_work(world) as session:
        ticket = session.get(Ticket, number)
        assert ticket is not None
        clock.at(start + timedelta(hours=2))
        change_status(session, ticket, Status.IN_PROGRESS, actor=staff(session))
        clock.at(start + timedelta(hours=6))  # 4h10 of business time: the 4h workaround is late
        record_workaround(session, ticket, actor=staff(session))
    late = check_sla(runtime, now=start + timedelta(hours=6, minutes=1))
    assert (late.warned, late.breached) == (0, 1)
    with unit_of_work(world) as session:
        workaround = session.scalar(select(TicketSlaClock).where(
            TicketSlaClock.ticket_id == number, TicketSlaClock.target == SlaTarget.WORKAROUND))  # fmt: skip
        assert workaround is not None and workaround.met_in_time is False and workaround.breached_at is not None


def test_the_check_stamps_without_mail_when_the_session_cannot_mail(world: sessionmaker[Session], runtime: Runtime) -> None:
    """A bare session (a script's) has no mail identity: the clocks are still stamped once."""
    _number, start = opened(world, assigned=True)
    bare = sessionmaker(bind=runtime.engine)
    with bare() as session, session.begin():
        report = check_clocks(session, start + timedelta(minutes=46))
    assert report.warned == 1
    with unit_of_work(world) as session:
        assert mails(session, "sla_warning") == []


def test_warnings_are_not_held_back_by_the_auto_reply_limit(world: sessionmaker[Session], runtime: Runtime) -> None:
    """The hourly limit on automatic mail bounds loops with auto-responders; an SLA notice is
    caused by no inbound mail, so an agent with many tickets due hears of every one."""
    limit = runtime.mail_identity.autoreply_limit
    numbers = [opened(world, assigned=True) for _ in range(limit + 2)]
    start = max(created for _, created in numbers)
    assert check_sla(runtime, now=start + timedelta(minutes=46)).warned == limit + 2
    with unit_of_work(world) as session:
        assert len(mails(session, "sla_warning")) == limit + 2

