"""The status machine: one table of legal moves, every change an event, nothing else moves status."""

from __future__ import annotations

import pytest

from core.errors import IllegalTransition, InvalidInput
from core.models import MessageKind, Role, Source, Status, TicketEvent
from core.runtime import Runtime
from core.status import TRANSITIONS, check_transition
from core.tickets import MessageBody, add_message, assign, change_status, open_ticket
from core.users import add_user

ALL_MOVES = [(a, b) for a in Status for b in Status if a is not b]


@pytest.mark.parametrize(("current", "target"), ALL_MOVES, ids=lambda s: s.value)
def test_every_move_is_decided_by_the_table(current: Status, target: Status) -> None:
    if target in TRANSITIONS[current]:
        check_transition(current, target)
    else:
        with pytest.raises(IllegalTransition, match=f"from {current.value} to {target.value}"):
            check_transition(current, target)


def test_closed_is_final() -> None:
    assert TRANSITIONS[Status.CLOSED] == frozenset()


def _ticket(runtime: Runtime):  # type: ignore[no-untyped-def]
    session = runtime.sessions()
    requester = add_user(session, "bob@corp.example", role=Role.CLIENT)
    agent = add_user(session, "agent@corp.example", role=Role.AGENT)
    ticket = open_ticket(
        session, requester=requester, title="VPN down", body=MessageBody(text="help"),
        source=Source.WEB, message_kind=MessageKind.WEB,
    )
    return session, ticket, requester, agent


def test_changes_write_events_and_timestamps(runtime: Runtime) -> None:
    session, ticket, requester, agent = _ticket(runtime)
    assign(session, ticket, agent, actor=agent)
    assert ticket.status is Status.ASSIGNED
    change_status(session, ticket, Status.RESOLVED, actor=agent)
    assert ticket.resolved_at is not None
    session.commit()
    events = [(e.field, e.old_value, e.new_value) for e in session.query(TicketEvent).order_by(TicketEvent.id)]
    assert events == [
        ("created", None, f"#{ticket.id}"),
        ("assignee", None, "agent@corp.example"),
        ("status", "new", "assigned"),
        ("status", "assigned", "resolved"),
    ]
    session.close()


def test_illegal_move_is_refused_and_changes_nothing(runtime: Runtime) -> None:
    session, ticket, _requester, agent = _ticket(runtime)
    change_status(session, ticket, Status.CLOSED, actor=agent)
    with pytest.raises(IllegalTransition):
        change_status(session, ticket, Status.IN_PROGRESS, actor=agent)
    assert ticket.status is Status.CLOSED
    session.close()


def test_customer_reply_reopens_resolved_ticket_and_staff_reply_counts_as_first_response(runtime: Runtime) -> None:
    session, ticket, requester, agent = _ticket(runtime)
    assign(session, ticket, agent, actor=agent)
    add_message(session, ticket, author=agent, kind=MessageKind.WEB, body=MessageBody(text="try again"))
    assert ticket.first_response_at is not None
    change_status(session, ticket, Status.RESOLVED, actor=agent)
    add_message(session, ticket, author=requester, kind=MessageKind.EMAIL_IN, body=MessageBody(text="still broken"))
    assert ticket.status is Status.IN_PROGRESS
    assert ticket.resolved_at is None
    session.close()


def test_only_staff_can_be_assigned(runtime: Runtime) -> None:
    session, ticket, requester, _agent = _ticket(runtime)
    with pytest.raises(InvalidInput, match="not staff"):
        assign(session, ticket, requester, actor=None)
    session.close()


def test_internal_note_on_closed_ticket_is_allowed_but_a_reply_is_not(runtime: Runtime) -> None:
    session, ticket, _requester, _agent = _ticket(runtime)
    change_status(session, ticket, Status.CLOSED, actor=None)
    add_message(session, ticket, author=None, kind=MessageKind.NOTE, body=MessageBody(text="for the record"))
    with pytest.raises(InvalidInput, match="closed"):
        add_message(session, ticket, author=None, kind=MessageKind.WEB, body=MessageBody(text="hello?"))
    session.close()
