"""A refusal that names the form field it is about, so a page can show it next to that field,
and the name check every SLA settings entry shares."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.errors import InvalidInput
from core.models import Service, SlaCalendar, SlaPolicy

NAME_MAX = 200


class FieldRefused(InvalidInput):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def check_name(session: Session, model: type[Service | SlaCalendar | SlaPolicy], own_id: int | None, name: str, what: str) -> None:
    """`name` (already trimmed) is 1 to NAME_MAX characters and no other `model` row has it, in any case."""
    if not name or len(name) > NAME_MAX:
        raise FieldRefused("name", f"a {what} needs a name of 1 to {NAME_MAX} characters")
    same = select(model.id).where(func.lower(model.name) == name.lower())
    if any(found != own_id for found in session.scalars(same)):
        raise FieldRefused("name", f"there is a {what} named {name!r} already")
