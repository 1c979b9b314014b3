"""Tickets, their watchers, links between them, and their audit history."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models.base import Base, str_enum, utcnow
from core.models.catalog import Category, Group, Subcategory
from core.models.users import User

if TYPE_CHECKING:
    from core.models.messages import Message
    from core.models.sla import Service, SlaPolicy, TicketSlaClock, TicketSlaPause


class Status(StrEnum):
    NEW = "new"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    WAITING_ON_CUSTOMER = "waiting_on_customer"
    RESOLVED = "resolved"
    CLOSED = "closed"


class Priority(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    URGENT = "urgent"


class Source(StrEnum):
    EMAIL = "email"
    WEB = "web"
    API = "api"


class LinkKind(StrEnum):
    FOLLOW_UP = "follow_up"
    RELATED = "related"
    MERGED_INTO = "merged_into"


ticket_watchers = Table(
    "ticket_watchers",
    Base.metadata,
    Column("ticket_id", ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Ticket(Base):
    """A request for help. Its `id` is the number people see as `#N`."""

    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_status_updated", "status", "updated_at"),
        Index("ix_tickets_requester_updated", "requester_id", "updated_at"),
        Index("ix_tickets_assignee_status", "assignee_id", "status"),
        Index("ix_tickets_group_status", "group_id", "status"),
        Index("ix_tickets_first_response_at", "first_response_at"),
        Index("ix_tickets_resolved_at", "resolved_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id"), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    subcategory_id: Mapped[int | None] = mapped_column(ForeignKey("subcategories.id"))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id"))
    priority: Mapped[Priority] = mapped_column(str_enum(Priority, "ticket_priority"), default=Priority.MEDIUM)
    status: Mapped[Status] = mapped_column(str_enum(Status, "ticket_status"), default=Status.NEW)
    source: Mapped[Source] = mapped_column(str_enum(Source, "ticket_source"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    first_response_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id"))
    sla_policy_id: Mapped[int | None] = mapped_column(ForeignKey("sla_policies.id"))
    sla_next_due_at: Mapped[datetime | None] = mapped_column(index=True)
    """The earliest due time of the ticket's unmet SLA clocks (core.models.sla)."""

    requester: Mapped[User] = relationship(foreign_keys=[requester_id])
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    group: Mapped[Group | None] = relationship()
    category: Mapped[Category | None] = relationship()
    subcategory: Mapped[Subcategory | None] = relationship()
    watchers: Mapped[list[User]] = relationship(secondary=ticket_watchers, order_by=User.email)
    messages: Mapped[list[Message]] = relationship(
        back_populates="ticket", order_by="Message.id", cascade="all, delete-orphan"
    )
    events: Mapped[list[TicketEvent]] = relationship(
        back_populates="ticket", order_by="TicketEvent.id", cascade="all, delete-orphan"
    )
    service: Mapped[Service | None] = relationship()
    sla_policy: Mapped[SlaPolicy | None] = relationship()
    sla_clocks: Mapped[list[TicketSlaClock]] = relationship(order_by="TicketSlaClock.id", cascade="all, delete-orphan")
    sla_pauses: Mapped[list[TicketSlaPause]] = relationship(order_by="TicketSlaPause.started_at", cascade="all, delete-orphan")

    @property
    def reference(self) -> str:
        return f"#{self.id}"

    @property
    def category_path(self) -> str | None:
        """`Group/Category/Subcategory`, as far as it is set."""
        parts = [
            item.name for item in (self.group, self.category, self.subcategory) if item is not None
        ]
        return "/".join(parts) or None

    def participants(self) -> set[int]:
        """Who may write into this ticket by mail: requester, watchers and the assignee."""
        ids = {self.requester_id, *(watcher.id for watcher in self.watchers)}
        if self.assignee_id is not None:
            ids.add(self.assignee_id)
        return ids


class TicketLink(Base):
    __tablename__ = "ticket_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    other_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    kind: Mapped[LinkKind] = mapped_column(str_enum(LinkKind, "ticket_link_kind"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TicketEvent(Base):
    """One change to a ticket: who, when, which field, from what, to what. The audit log."""

    __tablename__ = "ticket_events"
    __table_args__ = (Index("ix_ticket_events_field_created", "field", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    field: Mapped[str] = mapped_column(String(64))
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    ticket: Mapped[Ticket] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()
