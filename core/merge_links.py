"""Where a merged ticket's conversation went: the MERGED_INTO link that core.merge writes.

Apart from core.merge because the notification policy and the intake's threading both read
it, and core.merge (through core.tickets) imports the policy."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import LinkKind, Ticket, TicketLink


def merged_into(session: Session, ticket: Ticket) -> Ticket | None:
    """The ticket `ticket` was merged into, if it was."""
    query = (
        select(Ticket)
        .join(TicketLink, TicketLink.other_id == Ticket.id)
        .where(TicketLink.ticket_id == ticket.id, TicketLink.kind == LinkKind.MERGED_INTO)
        .order_by(TicketLink.id.desc())
        .limit(1)
    )
    return session.scalar(query)


def surviving_ticket(session: Session, ticket: Ticket) -> Ticket:
    """The ticket whose conversation goes on: `ticket` itself unless it was merged, else the end
    of the merge links (#1 merged into #2, later #2 into #3: #3)."""
    seen = {ticket.id}
    while (target := merged_into(session, ticket)) is not None and target.id not in seen:
        seen.add(target.id)
        ticket = target
    return ticket
