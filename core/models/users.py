"""People: staff (admin, agent) and the employees who ask for help (client)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Column, ForeignKey, String, Table, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from core.models.base import Base, str_enum, utcnow

if TYPE_CHECKING:
    from core.models.catalog import Group


class Role(StrEnum):
    ADMIN = "admin"
    AGENT = "agent"
    CLIENT = "client"

    @property
    def is_staff(self) -> bool:
        return self in (Role.ADMIN, Role.AGENT)


group_members = Table(
    "group_members",
    Base.metadata,
    Column("group_id", ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("lead", Boolean, nullable=False, default=False, server_default=false()),
)
"""A member with `lead` set hears of SLA breaches in the group (core.sla.check)."""


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[Role] = mapped_column(str_enum(Role, "user_role"), default=Role.CLIENT)
    department: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(default=True)
    undeliverable: Mapped[bool] = mapped_column(default=False)
    notify_status_changes: Mapped[bool] = mapped_column(default=True, server_default=true())
    notify_assignments: Mapped[bool] = mapped_column(default=True, server_default=true())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    groups: Mapped[list[Group]] = relationship(secondary=group_members, back_populates="members")

    @validates("email")
    def _normalise_email(self, _key: str, value: str) -> str:
        """Stored lower-cased, so the unique constraint is case-insensitive on every database."""
        return value.strip().lower()

    @property
    def is_staff(self) -> bool:
        return self.role.is_staff

    @property
    def display(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email
