"""The inbound log: one row per received message, whatever became of it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, str_enum, utcnow


class InboundSource(StrEnum):
    SMTP = "smtp"
    LMTP = "lmtp"
    IMAP = "imap"
    PIPE = "pipe"


class Outcome(StrEnum):
    TICKET_CREATED = "ticket_created"
    COMMENT_ADDED = "comment_added"
    DUPLICATE = "duplicate"
    AUTO_REPLY_IGNORED = "auto_reply_ignored"
    BOUNCE = "bounce"
    LOOP_DROPPED = "loop_dropped"
    REJECTED = "rejected"
    QUARANTINED = "quarantined"


class InboundMessage(Base):
    __tablename__ = "inbound_messages"
    __table_args__ = (Index("ix_inbound_messages_outcome_received", "outcome", "received_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[InboundSource] = mapped_column(str_enum(InboundSource, "inbound_source"))
    message_id: Mapped[str | None] = mapped_column(String(998))
    dedupe_key: Mapped[str] = mapped_column(String(1000), index=True)
    raw_sha256: Mapped[str] = mapped_column(String(64), index=True)
    """Indexed for retention: a stored file goes only when no row refers to it (core.blob_sweep)."""
    raw_size: Mapped[int]
    envelope_from: Mapped[str | None] = mapped_column(String(320))
    envelope_to: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    processed_at: Mapped[datetime | None]
    outcome: Mapped[Outcome] = mapped_column(str_enum(Outcome, "inbound_outcome"))
    reason: Mapped[str] = mapped_column(Text, default="")
    rule_hits: Mapped[str] = mapped_column(Text, default="")
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"), index=True)

    @property
    def raw_key(self) -> str:
        """The storage key of the raw bytes: content-addressed by their sha256."""
        return self.raw_sha256


class IngestedKey(Base):
    """The dedupe guard: a primary key per ingested Message-ID (or raw sha256).

    Inserting it in the same transaction as the ticket or comment makes two concurrent
    deliveries of one message collide on the key instead of both creating a ticket."""

    __tablename__ = "ingested_keys"

    key: Mapped[str] = mapped_column(String(1000), primary_key=True)
    inbound_id: Mapped[int] = mapped_column(ForeignKey("inbound_messages.id", ondelete="CASCADE"))
