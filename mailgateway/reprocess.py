"""Run a logged message through the pipeline again, from its stored raw bytes.

For mail that left nothing behind (quarantined after a crash, rejected, or ignored as an
auto-reply, bounce or loop): once the cause is fixed, an admin re-runs it from the CLI
(`postdesk inbound reprocess`) or the inbound log page. The same log row gets the new outcome."""

from __future__ import annotations

from core.errors import InvalidInput, NotFound
from core.models import InboundMessage, Outcome
from mailgateway.context import InboundMail, IngestResult
from mailgateway.intake import Gateway, ingest

REPROCESSABLE = frozenset(
    {Outcome.QUARANTINED, Outcome.REJECTED, Outcome.AUTO_REPLY_IGNORED, Outcome.LOOP_DROPPED, Outcome.BOUNCE}
)
"""Outcomes that left no ticket or comment behind, so running them again cannot double anything."""


def stored_mail(gateway: Gateway, row: InboundMessage) -> InboundMail:
    """The mail as it was received: raw bytes from the blob store, envelope from the log row."""
    return InboundMail(
        raw=gateway.blobs.get(row.raw_sha256),
        source=row.source,
        envelope_from=row.envelope_from,
        envelope_to=tuple(address for address in row.envelope_to.split(",") if address),
        received_at=row.received_at,
    )


def reprocess(gateway: Gateway, inbound_id: int) -> IngestResult:
    """Ingest the stored message again into its own log row; NotFound or InvalidInput if it
    does not exist or already produced a ticket or comment (or was a duplicate)."""
    with gateway.sessions() as session:
        row = session.get(InboundMessage, inbound_id)
        if row is None:
            raise NotFound(f"no inbound message #{inbound_id}")
        if row.outcome not in REPROCESSABLE:
            raise InvalidInput(f"inbound #{inbound_id} is {row.outcome.value}; only failed or ignored mail is re-run")
        if not gateway.blobs.path(row.raw_sha256).is_file():
            raise NotFound(f"inbound #{inbound_id} cannot be re-run: its raw source was purged by retention")
        mail = stored_mail(gateway, row)
    return ingest(gateway, mail, reprocess_id=inbound_id)
