"""Notifications: outbox rows written in the transaction of the change that causes them.

Delivery is the worker's job; here we decide who gets what, thread it (Message-ID,
In-Reply-To, References) and apply the loop guards that hold across processes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.mailtemplates import render
from core.models import Message, OutboxMessage, Ticket, User, utcnow

LOOP_HEADER = "X-Postdesk-Loop"
TICKET_HEADER = "X-Postdesk-Ticket"


@dataclass(frozen=True, slots=True)
class MailIdentity:
    """Who we are on the wire."""

    support_address: str
    mail_domain: str
    instance_id: str
    support_name: str = "IT Helpdesk"
    autoreply_limit: int = 10

    def new_message_id(self, ticket: Ticket | None) -> str:
        prefix = f"postdesk.{ticket.id}" if ticket else "postdesk"
        return f"{prefix}.{uuid.uuid4().hex}@{self.mail_domain}"


def thread_references(session: Session, ticket: Ticket) -> list[str]:
    """Every Message-ID of the ticket's conversation so far, oldest first (ours and theirs)."""
    theirs = session.scalars(
        select(Message.message_id).where(Message.ticket_id == ticket.id, Message.message_id.is_not(None))
        .order_by(Message.id)
    )
    ours = session.scalars(select(OutboxMessage.message_id).where(OutboxMessage.ticket_id == ticket.id).order_by(OutboxMessage.id))
    seen: dict[str, None] = {}
    for message_id in [*theirs, *ours]:
        seen.setdefault(message_id, None)
    return list(seen)


def automatic_mails_last_hour(session: Session, address: str) -> int:
    since = utcnow() - timedelta(hours=1)
    return session.scalar(
        select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.automatic.is_(True),
            OutboxMessage.recipients == address,
            OutboxMessage.created_at >= since,
        )
    ) or 0


def may_auto_answer(session: Session, identity: MailIdentity, user: User) -> bool:
    """Never to a suppressed address, and at most `autoreply_limit` automatic mails an hour."""
    if user.undeliverable or not user.active:
        return False
    return automatic_mails_last_hour(session, user.email) < identity.autoreply_limit


def acknowledge_new_ticket(
    session: Session, identity: MailIdentity, ticket: Ticket, their_message_id: str | None
) -> OutboxMessage | None:
    """The 'we have your request' mail, threaded under the requester's own message."""
    requester = ticket.requester
    if not may_auto_answer(session, identity, requester):
        return None
    rendered = render(
        "ticket_received",
        ticket=ticket,
        requester_name=requester.name or requester.email,
        support_name=identity.support_name,
        support_address=identity.support_address,
    )
    references = thread_references(session, ticket)
    row = OutboxMessage(
        ticket_id=ticket.id,
        template="ticket_received",
        recipients=requester.email,
        subject=rendered.subject,
        body_text=rendered.text,
        body_html=rendered.html,
        message_id=identity.new_message_id(ticket),
        in_reply_to=their_message_id,
        references=" ".join(f"<{ref}>" for ref in references),
        automatic=True,
    )
    session.add(row)
    return row
