"""What was said on a ticket: mails in and out, web replies, internal notes, system notes."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models.base import Base, str_enum, utcnow
from core.models.tickets import Ticket
from core.models.users import User


class MessageKind(StrEnum):
    EMAIL_IN = "email_in"
    EMAIL_OUT = "email_out"
    WEB = "web"
    NOTE = "note"
    SYSTEM = "system"

    @property
    def is_public(self) -> bool:
        """Internal notes and system notes are for staff only."""
        return self not in (MessageKind.NOTE, MessageKind.SYSTEM)


class Message(Base):
    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    kind: Mapped[MessageKind] = mapped_column(str_enum(MessageKind, "message_kind"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text, default="")
    full_text: Mapped[str] = mapped_column(Text, default="")
    html: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(String(998), index=True)
    inbound_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_messages.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    ticket: Mapped[Ticket] = relationship(back_populates="messages")
    author: Mapped[User | None] = relationship()
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="message", order_by="Attachment.id", cascade="all, delete-orphan"
    )


class Attachment(Base):
    """A file on a message. The bytes live content-addressed under the data dir (`sha256`)."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(500))
    content_type: Mapped[str] = mapped_column(String(200))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    content_id: Mapped[str | None] = mapped_column(String(500))
    inline: Mapped[bool] = mapped_column(default=False)

    message: Mapped[Message] = relationship(back_populates="attachments")
