"""The SMTP/LMTP handler: a thin receiver (STYLE.md item 6).

RCPT rejects addresses that are not ours; DATA hands the bytes to `ingest` off the event
loop and answers only after the commit: 250 when stored, 451 when nothing could be stored.
LMTP answers once per accepted recipient. Exception text never reaches the client."""

from __future__ import annotations

import asyncio
import logging
import time
from concurrent.futures import Executor
from dataclasses import dataclass

from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy import select

from core.models import InboundSource, RecipientRoute
from mailgateway.context import InboundMail, TemporaryFailure
from mailgateway.intake import Gateway, ingest

log = logging.getLogger(__name__)

ACCEPTED = "250 2.0.0 Message accepted for delivery"
RECIPIENT_OK = "250 2.1.5 Recipient OK"
UNKNOWN_RECIPIENT = "550 5.1.1 No such mailbox here"
TRY_AGAIN = "451 4.3.0 Temporary local problem, please try again later"
RECIPIENTS_TTL = 30.0


@dataclass
class _RecipientCache:
    addresses: frozenset[str]
    loaded_at: float = 0.0


class IntakeHandler:
    """aiosmtpd handler for SMTP; `lmtp=True` gives one reply per recipient after DATA."""

    def __init__(self, gateway: Gateway, executor: Executor, source: InboundSource) -> None:
        self.gateway = gateway
        self.executor = executor
        self.source = source
        self._recipients = _RecipientCache(gateway.identity.support_addresses)

    def _load_recipients(self) -> frozenset[str]:
        with self.gateway.sessions() as session:
            routed = session.scalars(select(RecipientRoute.address)).all()
        return self.gateway.identity.support_addresses | {address.lower() for address in routed}

    async def accepted_recipients(self) -> frozenset[str]:
        """Support addresses plus routed ones, refreshed off the loop every 30 s; if the
        database is down, the last known set (mail still gets a 451 at DATA, not a 550)."""
        if time.monotonic() - self._recipients.loaded_at > RECIPIENTS_TTL:
            try:
                addresses = await asyncio.get_running_loop().run_in_executor(self.executor, self._load_recipients)
                self._recipients = _RecipientCache(addresses, time.monotonic())
            except Exception:
                log.warning("could not refresh the recipient list; using the last known one", exc_info=True)
        return self._recipients.addresses

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if address.strip().lower() not in await self.accepted_recipients():
            return UNKNOWN_RECIPIENT
        envelope.rcpt_tos.append(address)
        return RECIPIENT_OK

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        status = await self._ingest(envelope)
        if self.source is InboundSource.LMTP:
            return "\r\n".join(status for _ in envelope.rcpt_tos)
        return status

    async def _ingest(self, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        mail = InboundMail(
            raw=raw,
            source=self.source,
            envelope_from=envelope.mail_from or None,
            envelope_to=tuple(address.lower() for address in envelope.rcpt_tos),
        )
        loop = asyncio.get_running_loop()
        try:
            result = await loop.run_in_executor(self.executor, ingest, self.gateway, mail)
        except TemporaryFailure as error:
            log.warning("answering 451: %s", error)
            return TRY_AGAIN
        except Exception:
            log.exception("answering 451 after an unexpected error")
            return TRY_AGAIN
        log.info("inbound #%s: %s (%s)", result.inbound_id, result.outcome.value, result.reason)
        return f"{ACCEPTED} (#{result.inbound_id} {result.outcome.value})"

    async def handle_exception(self, error: Exception) -> str:
        log.exception("SMTP session error", exc_info=error)
        return "421 4.3.0 Service not available, closing channel"
