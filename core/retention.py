"""Retention: purge raw mail and closed tickets older than a configured age.

- Closed tickets closed more than `POSTDESK_CLOSED_TICKET_RETENTION_DAYS` ago go entirely:
  messages, attachments, history, watchers, links, their outbox rows, and the inbound log
  rows (with raw mail) that fed them. Their numbers are never given out again.
- Raw mail received more than `POSTDESK_RAW_MAIL_RETENTION_DAYS` ago goes from the store;
  the inbound log row stays (who sent what when, and its outcome) and says the raw source is
  missing. Quarantined mail keeps its raw bytes: it still has to be run again.

0 (the default) keeps forever. Each step is recorded as an AuditRecord in the transaction
that does it; files go only when nothing refers to them any more (core/blob_sweep.py).
A purge mark remembers how far raw mail has been purged, so a daily run looks only at the
day that became old since the last one."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from core.blob_sweep import SweepResult, sweep
from core.config import Settings
from core.models import (
    Attachment,
    AuditRecord,
    InboundMessage,
    Message,
    OutboxMessage,
    Outcome,
    PurgeMark,
    Status,
    Ticket,
    utcnow,
)
from core.storage import BlobStore

BATCH = 200
RAW_MAIL = "raw_mail"
Transaction = Callable[[], AbstractContextManager[Session]]


@dataclass(frozen=True)
class RetentionPolicy:
    raw_mail: timedelta | None = None
    closed_tickets: timedelta | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> RetentionPolicy:
        def days(value: int) -> timedelta | None:
            return timedelta(days=value) if value > 0 else None

        return cls(days(settings.raw_mail_retention_days), days(settings.closed_ticket_retention_days))

    @property
    def enabled(self) -> bool:
        return self.raw_mail is not None or self.closed_tickets is not None


@dataclass
class PurgeReport:
    tickets: list[int] = field(default_factory=list)
    raw_mail: int = 0
    files: SweepResult = field(default_factory=SweepResult)

    def summary(self) -> str:
        return (f"{len(self.tickets)} closed tickets and the raw mail of {self.raw_mail} inbound messages purged; "
                f"{self.files.removed} files removed ({self.files.removed_bytes} bytes), {self.files.kept} still in use kept")


def purge(transaction: Transaction, blobs: BlobStore, policy: RetentionPolicy, actor: str, now: datetime | None = None) -> PurgeReport:
    now = now or utcnow()
    report = PurgeReport()
    candidates: set[str] = set()
    if policy.closed_tickets is not None:
        while True:
            with transaction() as session:
                numbers, files = purge_ticket_batch(session, now - policy.closed_tickets, actor)
            report.tickets.extend(numbers)
            candidates |= files
            if len(numbers) < BATCH:
                break
    if policy.raw_mail is not None:
        with transaction() as session:
            report.raw_mail, files = purge_raw_mail(session, now - policy.raw_mail, actor)
        candidates |= files
    with transaction() as session:
        report.files = sweep(blobs, session, candidates, raw_kept_since(session))
        detail = {"removed": report.files.removed, "bytes": report.files.removed_bytes, "kept": report.files.kept}
        session.add(AuditRecord(actor=actor, action="purge_files", detail=json.dumps(detail, sort_keys=True)))
    return report


def purge_ticket_batch(session: Session, closed_before: datetime, actor: str) -> tuple[list[int], set[str]]:
    """Delete up to BATCH tickets closed before `closed_before`; return their numbers and the
    files they used (candidates for removal)."""
    numbers = list(session.scalars(
        select(Ticket.id).where(Ticket.status == Status.CLOSED, Ticket.closed_at < closed_before)
        .order_by(Ticket.id).limit(BATCH).with_for_update(skip_locked=True)
    ))
    if not numbers:
        return [], set()
    files = set(session.scalars(select(Attachment.sha256).join(Message).where(Message.ticket_id.in_(numbers))))
    inbound = session.execute(
        select(InboundMessage.id, InboundMessage.raw_sha256).where(InboundMessage.ticket_id.in_(numbers))
    ).all()
    files |= {sha for _id, sha in inbound}
    session.execute(delete(OutboxMessage).where(OutboxMessage.ticket_id.in_(numbers)))
    session.execute(delete(Ticket).where(Ticket.id.in_(numbers)))
    _delete_unused_inbound(session, [inbound_id for inbound_id, _sha in inbound])
    detail = {"tickets": numbers, "closed_before": closed_before.isoformat(), "inbound_messages": len(inbound)}
    session.add(AuditRecord(actor=actor, action="purge_tickets", detail=json.dumps(detail)))
    return numbers, files


def _delete_unused_inbound(session: Session, ids: list[int]) -> None:
    """The inbound rows of purged tickets; one whose message was merged into a ticket that
    lives on is still shown there and stays."""
    used = exists().where(Message.inbound_id == InboundMessage.id)
    session.execute(
        delete(InboundMessage).where(InboundMessage.id.in_(ids), ~used).execution_options(synchronize_session=False)
    )


def purge_raw_mail(session: Session, received_before: datetime, actor: str) -> tuple[int, set[str]]:
    """Move the raw-mail mark to `received_before`; return how many messages it passed and
    their raw files (candidates for removal). Quarantined mail keeps its raw bytes."""
    mark = session.get(PurgeMark, RAW_MAIL, with_for_update=True)
    since = mark.before if mark else None
    if since is not None and since >= received_before:
        return 0, set()
    query = select(InboundMessage.raw_sha256).where(
        InboundMessage.received_at < received_before, InboundMessage.outcome != Outcome.QUARANTINED
    )
    if since is not None:
        query = query.where(InboundMessage.received_at >= since)
    files = list(session.scalars(query))
    if mark is None:
        session.add(PurgeMark(kind=RAW_MAIL, before=received_before))
    else:
        mark.before = received_before
    detail = {"received_before": received_before.isoformat(), "since": since.isoformat() if since else None, "messages": len(files)}
    session.add(AuditRecord(actor=actor, action="purge_raw_mail", detail=json.dumps(detail)))
    return len(files), set(files)


def raw_kept_since(session: Session) -> datetime | None:
    """Raw mail received before this has been purged (None: none has)."""
    mark = session.get(PurgeMark, RAW_MAIL)
    return mark.before if mark else None
