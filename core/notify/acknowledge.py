"""The 'we have your request' mail, threaded under the requester's own message."""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.models import OutboxMessage, Ticket
from core.notify.enqueue import enqueue
from core.notify.identity import identity_of


def acknowledge_new_ticket(session: Session, ticket: Ticket, their_message_id: str | None) -> OutboxMessage | None:
    identity = identity_of(session)
    if identity is None:
        return None
    return enqueue(
        session,
        identity,
        ticket=ticket,
        template="ticket_received",
        recipient=ticket.requester,
        automatic=True,
        in_reply_to=their_message_id,
    )
