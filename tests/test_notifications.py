"""The notification policy: who gets which mail, in the transaction of the change."""

from __future__ import annotations

from email import message_from_bytes, policy

import pytest
from sqlalchemy import select

from core.catalog import add_path
from core.db import unit_of_work
from core.models import MailTemplate, MessageKind, OutboxMessage, Role, Source, Status, TemplatePart, User
from core.notify import MailIdentity
from core.outbound import compose
from core.runtime import Runtime
from core.tickets import MessageBody, add_message, add_watcher, assign, change_status, get_ticket, open_ticket
from core.users import add_user


def _outbox(runtime: Runtime) -> list[tuple[str, str]]:
    with runtime.sessions() as session:
        return [(row.template, row.recipients) for row in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


@pytest.fixture
def people(runtime: Runtime) -> dict[str, int]:
    with unit_of_work(runtime.sessions) as session:
        users = {
            "zoe": add_user(session, "zoe@corp.example", role=Role.CLIENT, name="Zoë Ünal"),
            "watcher": add_user(session, "wat@corp.example", role=Role.CLIENT),
            "agent": add_user(session, "agent@corp.example", role=Role.AGENT, name="Ann Agent"),
            "other": add_user(session, "other@corp.example", role=Role.AGENT),
        }
        entry = add_path(session, "Hardware")
        entry.group.display_name = "Hardware-Service Süd"
        entry.group.members.extend([users["agent"], users["other"]])
        return {name: user.id for name, user in users.items()}


def _open(runtime: Runtime, people: dict[str, int], **kwargs: object) -> int:
    from core.catalog import resolve_path

    with unit_of_work(runtime.sessions) as session:
        ticket = open_ticket(
            session, requester=session.get(User, people["zoe"]), title="Bildschirm flackert – ärgerlich",
            body=MessageBody(text="help"), source=Source.WEB, message_kind=MessageKind.WEB,
            catalog=resolve_path(session, "Hardware"), **kwargs,  # type: ignore[arg-type]
        )
        add_watcher(session, ticket, session.get(User, people["watcher"]), actor=None)
        return ticket.id


def test_new_ticket_in_a_group_tells_its_agents(runtime: Runtime, people: dict[str, int]) -> None:
    _open(runtime, people)
    assert sorted(_outbox(runtime)) == [
        ("new_ticket_in_group", "agent@corp.example"),
        ("new_ticket_in_group", "other@corp.example"),
    ]


def test_assignment_status_and_reply_each_notify_the_right_people(runtime: Runtime, people: dict[str, int]) -> None:
    number = _open(runtime, people)
    with unit_of_work(runtime.sessions) as session:
        ticket = get_ticket(session, number)
        agent = session.get(User, people["agent"])
        other = session.get(User, people["other"])
        assign(session, ticket, agent, actor=other)
        add_message(session, ticket, author=agent, kind=MessageKind.WEB, body=MessageBody(text="Please restart it."))
        add_message(session, ticket, author=agent, kind=MessageKind.NOTE, body=MessageBody(text="internal only"))
        change_status(session, ticket, Status.WAITING_ON_CUSTOMER, actor=agent)
        change_status(session, ticket, Status.IN_PROGRESS, actor=agent)
    assert _outbox(runtime)[2:] == [
        ("ticket_assigned", "agent@corp.example"),
        ("staff_reply", "zoe@corp.example"),
        ("staff_reply", "wat@corp.example"),
        ("status_waiting_on_customer", "zoe@corp.example"),
    ]


def test_nobody_is_told_of_their_own_action_and_opt_outs_hold(runtime: Runtime, people: dict[str, int]) -> None:
    number = _open(runtime, people)
    with unit_of_work(runtime.sessions) as session:
        ticket = get_ticket(session, number)
        agent = session.get(User, people["agent"])
        ticket.requester.notify_status_changes = False
        assign(session, ticket, agent, actor=agent)
        change_status(session, ticket, Status.RESOLVED, actor=agent)
    assert [template for template, _ in _outbox(runtime)] == ["new_ticket_in_group", "new_ticket_in_group"]


def test_a_staff_reply_goes_out_even_to_an_opted_out_requester(runtime: Runtime, people: dict[str, int]) -> None:
    number = _open(runtime, people)
    with unit_of_work(runtime.sessions) as session:
        ticket = get_ticket(session, number)
        ticket.requester.notify_status_changes = ticket.requester.notify_assignments = False
        add_message(session, ticket, author=session.get(User, people["agent"]), kind=MessageKind.WEB, body=MessageBody(text="Fixed."))
    assert ("staff_reply", "zoe@corp.example") in _outbox(runtime)


def test_an_admin_template_override_wins(runtime: Runtime, people: dict[str, int]) -> None:
    with unit_of_work(runtime.sessions) as session:
        session.add(MailTemplate(name="new_ticket_in_group", part=TemplatePart.SUBJECT, body="NEU #{{ ticket.id }}"))
    number = _open(runtime, people)
    with runtime.sessions() as session:
        subjects = {row.subject for row in session.scalars(select(OutboxMessage))}
    assert subjects == {f"NEU #{number}"}


TEMPLATES = ["ticket_received", "status_waiting_on_customer", "status_resolved", "status_closed",
             "ticket_assigned", "new_ticket_in_group", "staff_reply", "ticket_merged"]


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_template_renders_non_ascii_and_its_headers_parse_back(template: str, runtime: Runtime, people: dict[str, int]) -> None:
    from core.notify.enqueue import enqueue

    number = _open(runtime, people)
    with unit_of_work(runtime.sessions) as session:
        ticket = get_ticket(session, number)
        agent = session.get(User, people["agent"])
        ticket.assignee = agent
        message = add_message(session, ticket, author=agent, kind=MessageKind.NOTE, body=MessageBody(text="Grüße, 你好"))
        identity = MailIdentity("support@helpdesk.example.com", "helpdesk.example.com", "helpdesk.example.com", support_name="Servicedesk Süd")
        row = enqueue(session, identity, ticket=ticket, template=template, recipient=ticket.requester,
                      automatic=True, context={"message": message, "merged_into": ticket})
        assert row is not None
        wire = compose(row, identity).as_bytes(policy=policy.SMTP)
    parsed = message_from_bytes(wire, policy=policy.default)
    assert f"[#{number}]" in parsed["Subject"]
    assert "ärgerlich" in parsed["Subject"] or template == "new_ticket_in_group"
    assert parsed["From"].addresses[0].display_name == "Hardware-Service Süd"
    assert parsed["From"].addresses[0].addr_spec == "support@helpdesk.example.com"
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsed["X-Postdesk-Ticket"] == f"helpdesk.example.com #{number}"
    body = parsed.get_body(("plain",)).get_content()
    assert "Zoë Ünal" in body or template in {"staff_reply", "ticket_assigned", "new_ticket_in_group"}


def test_non_essential_mail_carries_a_signed_one_click_opt_out(runtime: Runtime, people: dict[str, int]) -> None:
    from core.errors import InvalidInput
    from core.unsubscribe import OptOut, read_token

    number = _open(runtime, people)
    with unit_of_work(runtime.sessions) as session:
        ticket = get_ticket(session, number)
        agent = session.get(User, people["agent"])
        change_status(session, ticket, Status.RESOLVED, actor=agent)
        add_message(session, ticket, author=agent, kind=MessageKind.WEB, body=MessageBody(text="done"))
    with runtime.sessions() as session:
        rows = {row.template: row for row in session.scalars(select(OutboxMessage).where(OutboxMessage.recipients == "zoe@corp.example"))}
    resolved = rows["status_resolved"]
    assert resolved.unsubscribe_url and resolved.unsubscribe_url in resolved.body_text
    wire = compose(resolved, runtime.mail_identity)
    assert wire["List-Unsubscribe"] == f"<{resolved.unsubscribe_url}>"
    assert wire["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    token = resolved.unsubscribe_url.rsplit("/", 1)[1]
    assert read_token(runtime.settings.secret_key, token) == (people["zoe"], OptOut.STATUS)
    with pytest.raises(InvalidInput):
        read_token(runtime.settings.secret_key, token.replace("status", "assignment"))
    assert rows["staff_reply"].unsubscribe_url is None


def test_an_override_that_fails_for_this_ticket_falls_back_to_the_shipped_file(runtime: Runtime, people: dict[str, int]) -> None:
    with unit_of_work(runtime.sessions) as session:
        session.add(MailTemplate(name="new_ticket_in_group", part=TemplatePart.SUBJECT, body="{{ ticket.assignee.email }}"))
    number = _open(runtime, people)
    with runtime.sessions() as session:
        subjects = {row.subject for row in session.scalars(select(OutboxMessage))}
    assert subjects == {f"[#{number}] New in Hardware: Bildschirm flackert – ärgerlich"}
