"""Nothing doubled: a Message-ID (or, without one, the raw's sha256) is ingested once."""

from __future__ import annotations

from core.models import InboundMessage, IngestedKey, Outcome
from mailgateway.context import Finish
from mailgateway.pipeline import Intake


def dedupe_key(message_id: str | None, raw_sha256: str) -> str:
    return f"mid:{message_id}" if message_id else f"sha256:{raw_sha256}"


def drop_duplicates(intake: Intake) -> None:
    """Finish as `duplicate` if another inbound row holds the key; otherwise take it now.

    A concurrent delivery of the same message collides on the key's primary key at flush,
    and the intake is retried: it then finds the key here. A reprocessed row keeps its key."""
    key = intake.row.dedupe_key
    existing = intake.session.get(IngestedKey, key)
    if existing is None:
        intake.session.add(IngestedKey(key=key, inbound_id=intake.row.id))
        intake.session.flush()
        return
    if existing.inbound_id != intake.row.id:
        first = intake.session.get(InboundMessage, existing.inbound_id)
        raise Finish(
            Outcome.DUPLICATE,
            f"already ingested as inbound #{existing.inbound_id}",
            first.ticket_id if first else None,
        )
