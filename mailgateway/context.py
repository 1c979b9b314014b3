"""The typed context of one inbound mail as it moves through the pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from core.models import InboundSource, Outcome, utcnow


@dataclass(frozen=True, slots=True)
class InboundMail:
    """What a receiver hands over: the raw bytes and the envelope, nothing parsed yet."""

    raw: bytes
    source: InboundSource
    envelope_from: str | None = None
    envelope_to: tuple[str, ...] = ()
    received_at: datetime = field(default_factory=utcnow)


@dataclass(frozen=True, slots=True)
class IngestResult:
    """What became of a message: the receiver acknowledges on any result (it is stored)."""

    inbound_id: int
    outcome: Outcome
    reason: str
    ticket: int | None


class Finish(Exception):
    """An explicit early exit from the pipeline with its outcome (Mailman's DiscardMessage)."""

    def __init__(self, outcome: Outcome, reason: str, ticket: int | None = None) -> None:
        super().__init__(reason)
        self.outcome = outcome
        self.reason = reason
        self.ticket = ticket


class TemporaryFailure(Exception):
    """Nothing was committed; the sender (or the next poll) must try again later."""
