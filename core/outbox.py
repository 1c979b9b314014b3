"""The outbox as a work queue: claim a due row, then record what delivery did.

A claim is a lease: it pushes `next_attempt_at` past the time a delivery may take and counts
the attempt, in a short transaction of its own (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so two
workers never claim one row). The mail is sent outside any transaction, so a slow relay never
holds a database lock. A worker that dies mid-delivery leaves the row leased; when the lease
runs out another worker sends it again: a notification goes out once, or at most once more."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.errors import InvalidInput, NotFound
from core.keyset import newest_first
from core.models import OutboxMessage, OutboxStatus, utcnow

LEASE = timedelta(minutes=5)
MAX_ATTEMPTS = 10
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=1)


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4, ... minutes, at most an hour."""
    return min(FIRST_RETRY * (2 ** max(0, attempts - 1)), LONGEST_RETRY)


def claim_due(session: Session) -> OutboxMessage | None:
    """Lease the oldest due row, or None when nothing is due."""
    now = utcnow()
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    row = session.scalars(query).first()
    if row is None:
        return None
    row.attempts += 1
    row.next_attempt_at = now + LEASE
    return row


def mark_sent(row: OutboxMessage) -> None:
    row.status = OutboxStatus.SENT
    row.sent_at = utcnow()
    row.last_error = ""


def mark_temporary_failure(row: OutboxMessage, error: str) -> None:
    """Try again later with backoff; after MAX_ATTEMPTS the row is `failed` and stays visible."""
    row.last_error = error[:2000]
    if row.attempts >= MAX_ATTEMPTS:
        row.status = OutboxStatus.FAILED
        return
    row.next_attempt_at = utcnow() + retry_delay(row.attempts)


def mark_permanent_failure(row: OutboxMessage, error: str) -> None:
    row.status = OutboxStatus.FAILED
    row.last_error = error[:2000]


def resend(session: Session, outbox_id: int) -> OutboxMessage:
    """An admin puts a failed (or sent) row back in the queue, due now."""
    row = session.get(OutboxMessage, outbox_id)
    if row is None:
        raise NotFound(f"no outbox message #{outbox_id}")
    if row.status is OutboxStatus.PENDING:
        raise InvalidInput(f"outbox message #{outbox_id} is already queued")
    row.status = OutboxStatus.PENDING
    row.attempts = 0
    row.next_attempt_at = utcnow()
    return row


def list_outbox(
    session: Session, status: OutboxStatus | None = None, limit: int = 100, before: int | None = None
) -> list[OutboxMessage]:
    """Newest first; `before` (an id) gives the next page (core.keyset)."""
    conditions = [OutboxMessage.status == status] if status is not None else []
    return newest_first(session, OutboxMessage, OutboxMessage.id, conditions, limit, before)
