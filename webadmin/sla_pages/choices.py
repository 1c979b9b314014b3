"""The options of the SLA forms' selects, from the database."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms import SelectChoice

from core.models import Service, SlaCalendar
from core.sla.services import offered_services
from webadmin.staff.common import Choices, active_groups, catalog_choices


def entry_choices(session: Session, current: tuple[str, str] | None = None, *, none_label: str) -> Choices:
    """The active catalog as `g:ID` / `c:ID` / `s:ID`; `current` (value, path) is kept even
    if it was deactivated since, so a policy on it can still be edited."""
    choices = catalog_choices(active_groups(session), none_label=none_label, subcategories=True)
    if current is not None and current[0] not in {choice.value for choice in choices}:
        choices.append(SelectChoice(current[0], f"{current[1]} (inactive)"))
    return choices


def service_choices(session: Session, current: Service | None, *, none_label: str) -> Choices:
    offered = offered_services(session, current)
    return [SelectChoice("", none_label), *(SelectChoice(str(service.id), service.name) for service in offered)]


def calendar_choices(session: Session) -> Choices:
    calendars = session.scalars(select(SlaCalendar).order_by(SlaCalendar.name))
    return [SelectChoice("", "Choose…"), *(SelectChoice(str(calendar.id), calendar.name) for calendar in calendars)]
