"""No endless loop: an auto-responder that answers every mail it gets is pointed at
Postdesk's notifications, over the real SMTP receiver, and the exchange stops by itself.

The notifications are composed from the outbox exactly as the worker sends them
(core.outbound.compose); the worker's SMTP delivery itself is tested with its own issue."""

from __future__ import annotations

import smtplib
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from sqlalchemy import select

from core.models import OutboxMessage, Ticket
from core.outbound import compose
from core.runtime import Runtime
from mailgateway.intake import Gateway
from mailgateway.listener import Endpoint
from tests.mail_fixtures import SUPPORT, build_mail

ROUNDS = 50
RESPONDER = "robot@partner.example"


def polite_responder(incoming: EmailMessage) -> EmailMessage:
    """An RFC 3834 vacation responder: threads its answer and says it is automatic."""
    reply = naive_responder(incoming)
    reply["Auto-Submitted"] = "auto-replied"
    reply["In-Reply-To"] = incoming["Message-ID"]
    return reply


def naive_responder(incoming: EmailMessage) -> EmailMessage:
    """The worst kind: answers everything, marks nothing, keeps only the subject."""
    reply = EmailMessage()
    reply["From"] = RESPONDER
    reply["To"] = SUPPORT
    reply["Subject"] = f"Re: {incoming['Subject']}"
    reply["Message-ID"] = make_msgid(domain="partner.example")
    reply.set_content("Thank you for your message. I will answer as soon as possible.")
    return reply


def amnesiac_responder(incoming: EmailMessage) -> EmailMessage:
    """Drops the subject token and every threading header: each answer looks like a new mail."""
    reply = naive_responder(incoming)
    reply.replace_header("Subject", "Your message")
    return reply


def _pending_notifications(runtime: Runtime, seen: set[int]) -> list[OutboxMessage]:
    with runtime.sessions() as session:
        rows = session.scalars(select(OutboxMessage).where(OutboxMessage.recipients == RESPONDER)).all()
    return [row for row in rows if row.id not in seen]


@pytest.mark.parametrize("responder", [polite_responder, naive_responder, amnesiac_responder])
def test_auto_responder_exchange_stops(responder, gateway: Gateway, runtime: Runtime, smtp_receiver: Endpoint) -> None:  # type: ignore[no-untyped-def]
    seen: set[int] = set()
    with smtplib.SMTP(smtp_receiver.host, smtp_receiver.port, timeout=30) as client:
        client.sendmail(RESPONDER, [SUPPORT], build_mail(sender=RESPONDER, subject="Please reset my password"))
        for _round in range(ROUNDS):
            outgoing = _pending_notifications(runtime, seen)
            if not outgoing:
                break
            for row in outgoing:
                seen.add(row.id)
                sent = message_from_bytes(compose(row, gateway.identity.mail).as_bytes(policy=policy.SMTP), policy=policy.default)
                client.sendmail(RESPONDER, [SUPPORT], responder(sent).as_bytes(policy=policy.SMTP))
        else:
            pytest.fail(f"still answering after {ROUNDS} rounds")
    with runtime.sessions() as session:
        tickets = session.scalars(select(Ticket)).all()
    assert len(seen) <= gateway.identity.mail.autoreply_limit
    assert len(tickets) <= gateway.identity.mail.autoreply_limit + 1


def test_our_composed_notification_is_recognised_as_ours(gateway: Gateway, runtime: Runtime, smtp_receiver: Endpoint) -> None:
    """A notification that comes straight back (a forwarding rule to the support address) is a loop."""
    with smtplib.SMTP(smtp_receiver.host, smtp_receiver.port, timeout=30) as client:
        client.sendmail("alice@corp.example", [SUPPORT], build_mail())
        [row] = _all_outbox(runtime)
        client.sendmail("alice@corp.example", [SUPPORT], compose(row, gateway.identity.mail).as_bytes(policy=policy.SMTP))
    assert len(_all_outbox(runtime)) == 1


def _all_outbox(runtime: Runtime) -> list[OutboxMessage]:
    with runtime.sessions() as session:
        return list(session.scalars(select(OutboxMessage)))
