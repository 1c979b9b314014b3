"""Auto-close: a ticket resolved for `POSTDESK_AUTOCLOSE_DAYS` without a reply is closed.

The requester had those days to answer (an answer reopens a resolved ticket); after that a
reply opens a follow-up ticket instead. Closing goes through the ticket service, so the
history shows it (actor: nobody, i.e. the system) and the requester gets the usual
`status_closed` mail. Runs as a singleton job of the worker (hourly)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import MessageKind, Status, Ticket, utcnow
from core.tickets import MessageBody, add_message, change_status

BATCH = 200
"""Tickets per transaction: a backlog is closed in short transactions, not one long one."""


def close_batch(session: Session, resolved_before: datetime, note: str, limit: int = BATCH) -> list[int]:
    """Close up to `limit` tickets resolved before `resolved_before`; return their numbers.

    Rows locked by a concurrent change (a reply reopening the ticket right now) are skipped
    and looked at again next run."""
    tickets = session.scalars(
        select(Ticket)
        .where(Ticket.status == Status.RESOLVED, Ticket.resolved_at < resolved_before)
        .order_by(Ticket.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    for ticket in tickets:
        add_message(session, ticket, author=None, kind=MessageKind.SYSTEM, body=MessageBody(text=note))
        change_status(session, ticket, Status.CLOSED, actor=None)
    return [ticket.id for ticket in tickets]


def close_resolved(
    transaction: Callable[[], AbstractContextManager[Session]], after: timedelta, now: datetime | None = None
) -> list[int]:
    """Close every ticket resolved longer than `after` ago, a batch per transaction."""
    resolved_before = (now or utcnow()) - after
    note = f"Closed automatically: resolved for {after.days} days without a reply."
    closed: list[int] = []
    while True:
        with transaction() as session:
            batch = close_batch(session, resolved_before, note)
        closed.extend(batch)
        if len(batch) < BATCH:
            return closed
