"""What the staff ticket list needs from the schema: saved views, and the index behind its
default sort.

The list pages through tickets newest-updated first with a keyset on (updated_at, id); without
this index PostgreSQL sorts the whole table for every first page. The index is declared here,
beside the list's other schema, rather than in `Ticket.__table_args__`: both are equivalent
for SQLAlchemy and Alembic (an Index bound to a table's columns joins that table)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, utcnow
from core.models.tickets import Ticket

Index("ix_tickets_updated_at_id", Ticket.updated_at, Ticket.id)


class SavedView(Base):
    """A named ticket-list filter of one staff member: the list's query string, as they saved it."""

    __tablename__ = "saved_views"
    __table_args__ = (UniqueConstraint("user_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    query: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
