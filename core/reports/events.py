"""Which status changes (`ticket_events` rows with field `status`) the reports count.

- A resolution moves a ticket from an open status (or from none: an imported ticket) to
  `resolved` or `closed`. Closing a resolved ticket is not a second resolution.
- A reopening moves a ticket from `resolved` or `closed` back to an open status (a customer
  replied, or staff reopened it).

A ticket resolved, reopened and resolved again has two resolutions and one reopening: the
volume report counts work done, and the backlog stays exact."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, or_

from core.models import Status, TicketEvent
from core.ticket_queries import OPEN_STATUSES

DONE_VALUES = (Status.RESOLVED.value, Status.CLOSED.value)
OPEN_VALUES = tuple(sorted(status.value for status in OPEN_STATUSES))
STATUS_FIELD = "status"


def is_status_change() -> ColumnElement[bool]:
    return TicketEvent.field == STATUS_FIELD


def is_resolution() -> ColumnElement[bool]:
    return and_(
        TicketEvent.new_value.in_(DONE_VALUES),
        or_(TicketEvent.old_value.is_(None), TicketEvent.old_value.not_in(DONE_VALUES)),
    )


def is_reopening() -> ColumnElement[bool]:
    return and_(TicketEvent.old_value.in_(DONE_VALUES), TicketEvent.new_value.in_(OPEN_VALUES))
