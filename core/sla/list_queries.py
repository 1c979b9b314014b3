"""The ticket list's SLA filters and its "next due" sort, in SQL (used by core.ticket_queries).

- "due soon": an unmet target of the ticket has passed its warn share and is not yet overdue.
- "breached": a target of the ticket was marked breached, or is overdue now (before the
  worker's next check marks it), or was met after its due time.

The sort puts the tickets with a running clock first, soonest due first, then every other
ticket; the key is the next due time with a far-future stand-in for "none", so a page cursor
always has a value to continue from. PostgreSQL has the same expression as an index
(migration 0012, `ix_tickets_sla_due_rank`); the literal is written per database because
SQLite keeps times as text in SQLAlchemy's format and PostgreSQL as timestamptz."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, or_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from core.models import Ticket, TicketSlaClock
from core.models.base import UTCDateTime

DUE_RANK_INDEX = "ix_tickets_sla_due_rank"


class DueFilter(StrEnum):
    DUE_SOON = "due_soon"
    BREACHED = "breached"


class _DueRank(FunctionElement[datetime]):
    """COALESCE(tickets.sla_next_due_at, <far future>)."""

    type = UTCDateTime()
    inherit_cache = True
    name = "due_rank"


@compiles(_DueRank)
def _due_rank_sqlite(_element: _DueRank, _compiler: Any, **_kw: Any) -> str:
    return "COALESCE(tickets.sla_next_due_at, '9999-01-01 00:00:00.000000')"


@compiles(_DueRank, "postgresql")
def _due_rank_postgresql(_element: _DueRank, _compiler: Any, **_kw: Any) -> str:
    return "COALESCE(tickets.sla_next_due_at, TIMESTAMPTZ '9999-01-01 00:00:00+00')"


DUE_RANK: ColumnElement[datetime] = _DueRank()  # type: ignore[assignment]


def _any_clock(*conditions: ColumnElement[bool]) -> ColumnElement[bool]:
    return exists().where(TicketSlaClock.ticket_id == Ticket.id, *conditions)


def due_condition(which: DueFilter, now: datetime) -> ColumnElement[bool]:
    clock = TicketSlaClock
    if which is DueFilter.DUE_SOON:
        return _any_clock(clock.met_at.is_(None), clock.warn_at <= now, clock.due_at > now)
    overdue = and_(clock.due_at <= now, or_(clock.met_at.is_(None), clock.met_at > clock.due_at))
    return _any_clock(or_(clock.breached_at.is_not(None), overdue))
