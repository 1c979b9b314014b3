"""`ingest(mail)`: the one entry point that every receiver (SMTP, LMTP, IMAP, pipe) calls.

Order of safety: the raw bytes are stored (fsynced) first; then one transaction writes the
inbound log row together with whatever the pipeline decided. A receiver acknowledges only
when `ingest` returns. A database that is down raises TemporaryFailure (nothing committed,
the sender retries, dedupe makes the retry safe). A message that crashes the pipeline is
quarantined with its raw bytes, so it can be reprocessed once the bug is fixed."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from core.db import is_unavailable, unit_of_work
from core.models import InboundMessage, Outcome, utcnow
from core.runtime import Runtime
from core.storage import BlobStore, StorageError, StoredBlob
from core.tickets import NewAttachment
from mailgateway.classify import Verdict, classify
from mailgateway.context import Finish, InboundMail, IngestResult, TemporaryFailure
from mailgateway.identity import GatewayIdentity
from mailgateway.parse import ParsedMail, is_probably_mail, parse_message
from mailgateway.pipeline import Intake, run
from mailgateway.stages.dedupe import dedupe_key

log = logging.getLogger(__name__)

NOT_MAIL = "not an email message (no header lines)"


@dataclass(frozen=True)
class Gateway:
    sessions: sessionmaker[Session]
    blobs: BlobStore
    identity: GatewayIdentity
    max_message_bytes: int
    writer: AbstractContextManager[object]  # held around each message's transaction

    @classmethod
    def from_runtime(cls, rt: Runtime) -> Gateway:
        return cls(
            rt.sessions,
            rt.blobs,
            GatewayIdentity.from_runtime(rt),
            rt.settings.max_message_bytes,
            _writer_lock(rt),
        )


def _writer_lock(rt: Runtime) -> AbstractContextManager[object]:
    """On SQLite, one writing transaction at a time per process; elsewhere no lock.

    SQLite has one writer at a time (a unit of work begins IMMEDIATE). A thread that finds
    the write lock taken polls for it with sleeps of up to 100 ms (SQLite's busy handler),
    so the lock sits idle between a commit and the next poll, and an unlucky waiter starves
    for seconds. The receiver's intake threads queue on this lock instead and start the
    moment the previous transaction ends; other processes still queue on busy_timeout.
    PostgreSQL locks rows, not the database: its transactions run side by side.
    """
    return threading.Lock() if rt.engine.dialect.name == "sqlite" else nullcontext()


@contextmanager
def _transaction(gateway: Gateway) -> Iterator[Session]:
    """The unit of work of one message, behind the gateway's writer lock."""
    with gateway.writer, unit_of_work(gateway.sessions) as session:
        yield session


def ingest(gateway: Gateway, mail: InboundMail, *, reprocess_id: int | None = None) -> IngestResult:
    """Store, dedupe, parse, classify, thread, apply; return the outcome once committed."""
    blob = _store_raw(gateway.blobs, mail.raw)
    if not is_probably_mail(mail.raw):
        return _record_only(gateway, mail, blob, Outcome.REJECTED, NOT_MAIL, reprocess_id)
    try:
        parsed = parse_message(mail.raw)
        verdict = classify(parsed.message, gateway.identity.classify)
        attachments = _store_attachments(gateway.blobs, parsed)
    except StorageError as error:
        raise TemporaryFailure(str(error)) from error
    except Exception as error:  # a parser bug must not lose the mail
        log.exception("parsing inbound mail %s failed", blob.sha256)
        return _record_only(gateway, mail, blob, Outcome.QUARANTINED, _describe(error), reprocess_id)
    for attempt in (1, 2):
        try:
            return _process(gateway, mail, blob, parsed, verdict, attachments, reprocess_id)
        except IntegrityError:
            if attempt == 2:
                raise
            log.info("concurrent delivery of %s; retrying to find it as a duplicate", parsed.message_id)
        except Exception as error:
            if is_unavailable(error):
                raise TemporaryFailure("database unavailable") from error
            log.exception("processing inbound mail %s failed", blob.sha256)
            return _record_only(
                gateway, mail, blob, Outcome.QUARANTINED, _describe(error), reprocess_id, parsed.message_id
            )
    raise AssertionError("unreachable")


def _describe(error: BaseException) -> str:
    return f"processing failed: {type(error).__name__}: {error}"[:2000]


def _store_raw(blobs: BlobStore, raw: bytes) -> StoredBlob:
    try:
        return blobs.put(raw)
    except StorageError as error:
        raise TemporaryFailure(str(error)) from error


def _store_attachments(blobs: BlobStore, parsed: ParsedMail) -> tuple[NewAttachment, ...]:
    stored = []
    for item in parsed.attachments:
        blob = blobs.put(item.data)
        stored.append(
            NewAttachment(
                filename=item.filename[:500],
                content_type=item.content_type[:200],
                size=blob.size,
                sha256=blob.sha256,
                content_id=item.content_id[:500] if item.content_id else None,
                inline=item.inline,
            )
        )
    return tuple(stored)


def _inbound_row(
    session: Session,
    mail: InboundMail,
    blob: StoredBlob,
    message_id: str | None,
    reprocess_id: int | None,
    rule_hits: str = "",
) -> InboundMessage:
    """A new log row, or the existing one being reprocessed (its history stays in one place).

    The classifier's hits go in with the row, not as a change after its INSERT: that
    change would cost a flush of its own."""
    if reprocess_id is not None:
        row = session.get(InboundMessage, reprocess_id)
        if row is None:
            raise LookupError(f"no inbound message #{reprocess_id}")
        row.rule_hits = rule_hits
        return row
    row = InboundMessage(
        source=mail.source,
        message_id=message_id[:998] if message_id else None,
        dedupe_key=dedupe_key(message_id, blob.sha256)[:1000],
        raw_sha256=blob.sha256,
        raw_size=blob.size,
        envelope_from=(mail.envelope_from or "")[:320] or None,
        envelope_to=",".join(mail.envelope_to),
        received_at=mail.received_at,
        outcome=Outcome.QUARANTINED,
        reason="being processed",
        rule_hits=rule_hits,
    )
    session.add(row)
    session.flush()
    return row


def _finish_row(row: InboundMessage, outcome: Outcome, reason: str, ticket: int | None) -> IngestResult:
    row.outcome = outcome
    row.reason = reason
    row.ticket_id = ticket
    row.processed_at = utcnow()
    return IngestResult(inbound_id=row.id, outcome=outcome, reason=reason, ticket=ticket)


def _process(
    gateway: Gateway,
    mail: InboundMail,
    blob: StoredBlob,
    parsed: ParsedMail,
    verdict: Verdict,
    attachments: tuple[NewAttachment, ...],
    reprocess_id: int | None,
) -> IngestResult:
    with _transaction(gateway) as session:
        hits = "".join(f"{hit.rule}: {hit.reason}\n" for hit in verdict.hits)
        row = _inbound_row(session, mail, blob, parsed.message_id, reprocess_id, hits)
        intake = Intake(session, gateway.identity, mail, parsed, verdict, attachments, row)
        finish: Finish = run(intake)
        return _finish_row(row, finish.outcome, finish.reason, finish.ticket)


def _record_only(
    gateway: Gateway,
    mail: InboundMail,
    blob: StoredBlob,
    outcome: Outcome,
    reason: str,
    reprocess_id: int | None,
    message_id: str | None = None,
) -> IngestResult:
    """Log an outcome without running the pipeline (not mail, or quarantined after a crash)."""
    try:
        with _transaction(gateway) as session:
            row = _inbound_row(session, mail, blob, message_id, reprocess_id)
            return _finish_row(row, outcome, reason, None)
    except Exception as error:
        if is_unavailable(error):
            raise TemporaryFailure("database unavailable") from error
        raise
