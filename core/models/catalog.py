"""The service catalog: group -> category -> subcategory, edited by admins."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.models.base import Base
from core.models.users import User, group_members


class Group(Base):
    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    notify_new_tickets: Mapped[bool] = mapped_column(default=True, server_default=true())
    active: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0, server_default="0")

    categories: Mapped[list[Category]] = relationship(
        back_populates="group", order_by="(Category.position, Category.name)", cascade="all, delete-orphan"
    )
    members: Mapped[list[User]] = relationship(secondary=group_members, back_populates="groups")


class Category(Base):
    __tablename__ = "categories"
    __table_args__ = (UniqueConstraint("group_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0, server_default="0")

    group: Mapped[Group] = relationship(back_populates="categories")
    subcategories: Mapped[list[Subcategory]] = relationship(
        back_populates="category", order_by="(Subcategory.position, Subcategory.name)", cascade="all, delete-orphan"
    )


class Subcategory(Base):
    __tablename__ = "subcategories"
    __table_args__ = (UniqueConstraint("category_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int] = mapped_column(default=0, server_default="0")

    category: Mapped[Category] = relationship(back_populates="subcategories")


class RecipientRoute(Base):
    """Mail to this address (e.g. hr-help@) lands in this group/category. The rules engine refines it."""

    __tablename__ = "recipient_routes"

    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(320), unique=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id", ondelete="SET NULL"))

    group: Mapped[Group] = relationship()
    category: Mapped[Category | None] = relationship()
