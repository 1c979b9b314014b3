"""Deliver due outbox rows: claim (short transaction), send (no transaction), record."""

from __future__ import annotations

import logging
import mimetypes
from email.message import EmailMessage

from core.db import unit_of_work
from core.models import Message, OutboxMessage
from core.outbound import compose
from core.outbox import (
    claim_due,
    mark_permanent_failure,
    mark_sent,
    mark_temporary_failure,
)
from core.runtime import Runtime
from postdesk.worker.transports import (
    PermanentDeliveryError,
    TemporaryDeliveryError,
    Transport,
)

log = logging.getLogger(__name__)


def _charset(maintype: str, data: bytes) -> dict[str, str]:
    """A text part names its charset, or readers take it for US-ASCII (RFC 2046) and garble
    every accent. Files are stored as bytes without one: UTF-8 is declared when the bytes are
    UTF-8 (ASCII included); other bytes stay unlabelled rather than mislabelled."""
    if maintype != "text":
        return {}
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return {}
    return {"charset": "utf-8"}


def _with_attachments(rt: Runtime, message: EmailMessage, source: Message | None) -> EmailMessage:
    """A staff reply carries the reply's files, byte for byte (base64)."""
    for attachment in source.attachments if source else []:
        maintype, _, subtype = attachment.content_type.partition("/")
        if not subtype:
            maintype, subtype = (mimetypes.guess_type(attachment.filename)[0] or "application/octet-stream").split("/")
        data = rt.blobs.get(attachment.sha256)
        message.add_attachment(
            data, maintype=maintype, subtype=subtype, filename=attachment.filename, params=_charset(maintype, data)
        )
    return message


def _claim(rt: Runtime) -> tuple[int, EmailMessage, list[str]] | None:
    with unit_of_work(rt.sessions) as session:
        row = claim_due(session)
        if row is None:
            return None
        source = session.get(Message, row.source_message_id) if row.source_message_id else None
        return row.id, _with_attachments(rt, compose(row, rt.mail_identity), source), row.recipient_list


def _record(rt: Runtime, outbox_id: int, error: Exception | None) -> None:
    with unit_of_work(rt.sessions) as session:
        row = session.get(OutboxMessage, outbox_id)
        assert row is not None
        if error is None:
            mark_sent(row)
        elif isinstance(error, PermanentDeliveryError):
            mark_permanent_failure(row, str(error))
        else:
            mark_temporary_failure(row, str(error))
        log.info("outbox #%s: %s %s", outbox_id, row.status.value, row.last_error)


def deliver_due(rt: Runtime, transport: Transport, limit: int = 100) -> int:
    """Send up to `limit` due rows; return how many were attempted."""
    attempted = 0
    while attempted < limit:
        claimed = _claim(rt)
        if claimed is None:
            break
        outbox_id, message, recipients = claimed
        attempted += 1
        try:
            transport.send(message, recipients)
        except (TemporaryDeliveryError, PermanentDeliveryError) as error:
            _record(rt, outbox_id, error)
        else:
            _record(rt, outbox_id, None)
    return attempted
