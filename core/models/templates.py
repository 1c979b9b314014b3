"""Notification templates that an admin edited: they override the files in templates/email/."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.models.base import Base, str_enum, utcnow


class TemplatePart(StrEnum):
    SUBJECT = "subject"
    TEXT = "txt"
    HTML = "html"


class MailTemplate(Base):
    __tablename__ = "mail_templates"
    __table_args__ = (UniqueConstraint("name", "part"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    part: Mapped[TemplatePart] = mapped_column(str_enum(TemplatePart, "mail_template_part"))
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
