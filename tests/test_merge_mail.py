"""Merging two tickets, seen from the mailbox: the merged ticket's requester gets "merged into
#N" (not the plain "closed" mail), and any reply to the merged ticket's thread (its `[#N]`, or
In-Reply-To one of its mails) lands on the surviving ticket. Mail goes in through the real
SMTP receiver and out through the worker to a real relay (aiosmtpd, 127.0.0.1)."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from sqlalchemy import select

from core.config import Settings, load_settings
from core.db import unit_of_work
from core.merge import merge_tickets
from core.models import (
    InboundMessage,
    Message,
    MessageKind,
    OutboxMessage,
    Outcome,
    Role,
    Status,
    User,
)
from core.runtime import Runtime
from core.tickets import change_status, get_ticket
from core.users import add_user
from mailgateway.intake import Gateway
from mailgateway.listener import Endpoint
from postdesk.worker.delivery import deliver_due
from postdesk.worker.transports import SmtpRelay
from tests.db_fixtures import SUPPORT, environment_for
from tests.mail_fixtures import build_mail, deliver
from tests.relay import Relay

ALICE, BOB, AGENT, MALLORY = "alice@corp.example", "bob@corp.example", "agent@corp.example", "mallory@corp.example"


def _deliver_outbox(runtime: Runtime, settings: Settings, relay: Relay) -> list[EmailMessage]:
    """Everything the worker sends now, as the relay received it."""
    before = len(relay.received)
    env = environment_for(settings.data_dir, settings.database_url,
                          POSTDESK_SMTP_HOST="127.0.0.1", POSTDESK_SMTP_PORT=str(relay.port))  # fmt: skip
    deliver_due(runtime, SmtpRelay(load_settings(env)))
    return relay.received[before:]


def _merge(runtime: Runtime, source: int, target: int) -> None:
    with unit_of_work(runtime.sessions) as session:
        agent = session.scalar(select(User).where(User.email == AGENT))
        merge_tickets(session, get_ticket(session, source), get_ticket(session, target), actor=agent)


def _two_tickets(gateway: Gateway, runtime: Runtime) -> tuple[int, int]:
    """Alice's and Bob's tickets about the same printer, and the agent who merges them."""
    with unit_of_work(runtime.sessions) as session:
        add_user(session, AGENT, role=Role.AGENT, name="Agent")
    alices = deliver(gateway, build_mail(sender=ALICE, subject="Printer jammed")).ticket
    bobs = deliver(gateway, build_mail(sender=BOB, subject="3rd floor printer broken")).ticket
    assert alices is not None and bobs is not None
    return alices, bobs


def _send(endpoint: Endpoint, sender: str, raw: bytes) -> None:
    with smtplib.SMTP(endpoint.host, endpoint.port, timeout=10) as client:
        assert client.sendmail(sender, [SUPPORT], raw) == {}


def _reply_to(mail: EmailMessage, sender: str, body: str, *, subject: str | None = None) -> bytes:
    return build_mail(sender=sender, subject=subject or f"Re: {mail['Subject']}", body=body,
                      In_Reply_To=mail["Message-ID"], References=mail["Message-ID"])  # fmt: skip


def _last_inbound(runtime: Runtime) -> InboundMessage:
    with runtime.sessions() as session:
        row = session.scalars(select(InboundMessage).order_by(InboundMessage.id.desc()).limit(1)).one()
        session.expunge(row)
        return row


def test_the_merged_tickets_requester_hears_where_it_went_not_that_it_closed(
    gateway: Gateway, runtime: Runtime, settings: Settings, relay: Relay
) -> None:
    alices, bobs = _two_tickets(gateway, runtime)
    _deliver_outbox(runtime, settings, relay)
    _merge(runtime, bobs, alices)
    sent = _deliver_outbox(runtime, settings, relay)

    [notice] = sent
    assert notice["To"] == BOB
    assert notice["Subject"] == f"[#{bobs}] Merged into #{alices}: 3rd floor printer broken"
    text = notice.get_body(("plain",)).get_content()
    assert f"the conversation continues in #{alices}" in text
    assert f"ticket #{alices} (Printer jammed)" in text
    assert "List-Unsubscribe" in notice, "a status mail: it can be turned off like the closed mail"
    with runtime.sessions() as session:
        assert [row.template for row in session.scalars(select(OutboxMessage).where(OutboxMessage.ticket_id == bobs))] == [
            "ticket_received", "ticket_merged",
        ]
        assert get_ticket(session, bobs).status is Status.CLOSED


def test_an_ordinary_close_still_sends_the_closed_mail(gateway: Gateway, runtime: Runtime) -> None:
    alices, _bobs = _two_tickets(gateway, runtime)
    with unit_of_work(runtime.sessions) as session:
        change_status(session, get_ticket(session, alices), Status.CLOSED, actor=None)
    with runtime.sessions() as session:
        templates = session.scalars(select(OutboxMessage.template).where(OutboxMessage.ticket_id == alices))
        assert list(templates) == ["ticket_received", "status_closed"]


def test_replies_to_the_merged_thread_land_on_the_surviving_ticket(
    gateway: Gateway, runtime: Runtime, settings: Settings, relay: Relay, smtp_receiver: Endpoint
) -> None:
    alices, bobs = _two_tickets(gateway, runtime)
    acknowledgements = {mail["To"]: mail for mail in _deliver_outbox(runtime, settings, relay)}
    _merge(runtime, bobs, alices)
    [notice] = _deliver_outbox(runtime, settings, relay)

    _send(smtp_receiver, BOB, _reply_to(notice, BOB, "Thanks, I will wait there."))
    arrived = _last_inbound(runtime)
    assert (arrived.outcome, arrived.ticket_id) == (Outcome.COMMENT_ADDED, alices)

    # Bob's answer to the old acknowledgement, by In-Reply-To only (no [#N] in the subject).
    _send(smtp_receiver, BOB, _reply_to(acknowledgements[BOB], BOB, "Still jammed.", subject="printer"))
    arrived = _last_inbound(runtime)
    assert (arrived.outcome, arrived.ticket_id) == (Outcome.COMMENT_ADDED, alices)

    with runtime.sessions() as session:
        bodies = [m.text for m in session.scalars(select(Message).where(Message.ticket_id == alices,
                                                                          Message.kind == MessageKind.EMAIL_IN))]
        assert any("Thanks, I will wait there." in body for body in bodies)
        assert any("Still jammed." in body for body in bodies)
        assert get_ticket(session, bobs).status is Status.CLOSED, "the merged ticket is not reopened"
        assert session.scalar(select(Message.id).where(Message.ticket_id == bobs, Message.kind == MessageKind.EMAIL_IN)) is None


def test_a_stranger_cannot_write_into_the_surviving_ticket_through_the_merged_one(
    gateway: Gateway, runtime: Runtime
) -> None:
    alices, bobs = _two_tickets(gateway, runtime)
    _merge(runtime, bobs, alices)
    result = deliver(gateway, build_mail(sender=MALLORY, subject=f"Re: [#{bobs}] let me in"))
    assert result.outcome is Outcome.TICKET_CREATED and result.ticket not in {alices, bobs}


def test_a_chain_of_merges_is_followed_to_its_end(gateway: Gateway, runtime: Runtime) -> None:
    alices, bobs = _two_tickets(gateway, runtime)
    carols = deliver(gateway, build_mail(sender="carol@corp.example", subject="Printer again")).ticket
    assert carols is not None
    _merge(runtime, bobs, alices)
    _merge(runtime, alices, carols)
    result = deliver(gateway, build_mail(sender=BOB, subject=f"Re: [#{bobs}] any news?"))
    assert (result.outcome, result.ticket) == (Outcome.COMMENT_ADDED, carols)
