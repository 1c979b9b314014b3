"""The staff ticket list in SQL: filters, full-text search, sorts, keyset pages, status counts.

Used by the web panel and the API. Everything runs in the database, so a page costs
the same at a thousand tickets and at a million:

- A list and its counts hold only the tickets their viewer may see in the panel
  (core.permissions, `visible_in_panel`): for admins and agents every ticket, at no cost.
- Keyset pagination, never OFFSET: a page continues after (or before) the sort key of the
  last (first) row it showed, which an index finds directly; OFFSET reads and throws away
  every row before the page. A cursor carries the key values, so a ticket that is updated
  while someone pages does not make the pages skip or repeat other tickets.
- Each sort ends in the ticket id, so the key is unique and every ticket is on exactly one page.
- Counts per status stop at COUNT_CAP: an exact count of a million closed tickets reads a
  million index entries on every page view, and nobody needs more than "10,000+".
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any, TypeGuard

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    bindparam,
    false,
    func,
    literal_column,
    select,
    tuple_,
    union,
    union_all,
)
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import BooleanClauseList

from core.errors import InvalidInput
from core.models import Priority, Status, Ticket, User, utcnow
from core.models.base import UTCDateTime
from core.permissions import Action, Surface, ticket_condition
from core.search import (
    POSTGRESQL_SEARCH_INDEXES,
    SQLITE_FTS_TABLES,
    Branch,
    search_branches,
)
from core.sla.list_queries import DUE_RANK, DUE_RANK_INDEX, DueFilter, due_condition

OPEN_STATUSES = frozenset(Status) - {Status.RESOLVED, Status.CLOSED}
COUNT_CAP = 10_000

PRIORITY_RANK: ColumnElement[int] = literal_column(
    "CASE tickets.priority WHEN 'urgent' THEN 4 WHEN 'high' THEN 3 WHEN 'medium' THEN 2 ELSE 1 END", Integer
)
"""Urgent first. Written as SQL text so that it is exactly the expression that migration
0006 indexes as `ix_tickets_priority_rank` on PostgreSQL (a bound parameter would not match
the index)."""

PRIORITY_RANK_INDEX = "ix_tickets_priority_rank"


class Sort(StrEnum):
    UPDATED = "updated"
    CREATED = "created"
    PRIORITY = "priority"
    DUE = "due"


SORT_KEYS: dict[Sort, tuple[Any, ...]] = {
    Sort.UPDATED: (Ticket.updated_at, Ticket.id),
    Sort.CREATED: (Ticket.created_at, Ticket.id),
    Sort.PRIORITY: (PRIORITY_RANK, Ticket.updated_at, Ticket.id),
    Sort.DUE: (DUE_RANK, Ticket.id),
}
"""Every sort runs one way on all its keys, so one scan of one index serves it: descending,
except the ASCENDING ones (soonest due first)."""
ASCENDING = frozenset({Sort.DUE})


@dataclass(frozen=True, slots=True)
class TicketFilter:
    """What the list shows. Empty fields do not filter; `statuses` empty means any status."""

    statuses: frozenset[Status] = frozenset()
    priority: Priority | None = None
    group_id: int | None = None
    category_id: int | None = None
    assignee_id: int | None = None
    unassigned: bool = False
    requester: str = ""
    created_from: date | None = None
    created_to: date | None = None
    text: str = ""
    due: DueFilter | None = None


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where a page starts: strictly after (older than) or before (newer than) these key values."""

    values: tuple[Any, ...]
    before: bool = False

    def token(self) -> str:
        """The cursor as one URL-safe string, e.g. `2026-11-23T12:00:00.123456Z~42`."""
        return "~".join(_format_value(value) for value in self.values)

    @classmethod
    def parse(cls, sort: Sort, token: str, *, before: bool = False) -> Cursor:
        parts = token.split("~")
        keys = SORT_KEYS[sort]
        if len(parts) != len(keys):
            raise InvalidInput(f"not a page cursor for sort {sort.value}: {token!r}")
        try:
            values = tuple(_parse_value(key, part) for key, part in zip(keys, parts, strict=True))
        except ValueError:
            raise InvalidInput(f"not a page cursor: {token!r}") from None
        return cls(values, before)


def _format_value(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return str(value)


def _parse_value(key: Any, part: str) -> Any:
    if isinstance(key.type, UTCDateTime):
        moment = datetime.fromisoformat(part)
        if moment.tzinfo is None:
            raise ValueError("naive time")
        return moment
    return int(part)


@dataclass(frozen=True, slots=True)
class TicketPage:
    tickets: list[Ticket]
    newer: Cursor | None
    older: Cursor | None


@dataclass(frozen=True, slots=True)
class StatusCount:
    status: Status
    count: int

    @property
    def capped(self) -> bool:
        return self.count > COUNT_CAP


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def visible_in_panel(session: Session, viewer: User, action: Action = Action.VIEW) -> ColumnElement[bool]:
    """The tickets on which `viewer` may do `action` in the staff panel (core.permissions).
    Admins and agents may see every ticket: that is `true()`, which costs no query and
    vanishes from the WHERE."""
    return ticket_condition(session, viewer, action, surface=Surface.PANEL)


def filter_conditions(spec: TicketFilter, *, with_status: bool = True) -> list[ColumnElement[bool]]:
    """The WHERE conditions for `spec` apart from its search text."""
    conditions: list[ColumnElement[bool]] = []
    if with_status and spec.statuses:
        conditions.append(Ticket.status.in_(sorted(spec.statuses)))
    if spec.priority is not None:
        conditions.append(Ticket.priority == spec.priority)
    if spec.group_id is not None:
        conditions.append(Ticket.group_id == spec.group_id)
    if spec.category_id is not None:
        conditions.append(Ticket.category_id == spec.category_id)
    if spec.unassigned:
        conditions.append(Ticket.assignee_id.is_(None))
    elif spec.assignee_id is not None:
        conditions.append(Ticket.assignee_id == spec.assignee_id)
    if spec.requester:
        by_address = select(User.id).where(User.email.startswith(spec.requester.strip().lower(), autoescape=True))
        conditions.append(Ticket.requester_id.in_(by_address))
    if spec.created_from is not None:
        conditions.append(Ticket.created_at >= _day_start(spec.created_from))
    if spec.created_to is not None:
        conditions.append(Ticket.created_at < _day_start(spec.created_to + timedelta(days=1)))
    if spec.due is not None:
        conditions.append(due_condition(spec.due, utcnow()))
    return conditions


def _typed(key: Any, value: Any) -> Any:
    return bindparam(None, value, type_=key.type)


def searched(conditions: list[ColumnElement[bool]], branches: list[Branch], order: list[Any], limit: int) -> ColumnElement[bool]:
    """Tickets among each branch's first `limit` matches in list order. The page is among
    them: every ticket on it is among the first `limit` of its own branch."""
    firsts = [
        select(Ticket.id).where(*conditions, branch.condition()).order_by(*order).limit(limit).subquery()
        for branch in branches
    ]
    return Ticket.id.in_(union_all(*(select(first.c.id) for first in firsts))) if firsts else false()


def ticket_page(
    session: Session,
    spec: TicketFilter,
    sort: Sort = Sort.UPDATED,
    cursor: Cursor | None = None,
    size: int = 50,
    *,
    viewer: User,
) -> TicketPage:
    """One page of the list as `viewer` may see it, newest (by `sort`; soonest for ASCENDING
    sorts) first, with the cursors of its neighbours."""
    keys = SORT_KEYS[sort]
    backwards = cursor is not None and cursor.before
    descending = (sort not in ASCENDING) != backwards
    conditions = [*filter_conditions(spec), visible_in_panel(session, viewer)]
    if cursor is not None:
        bound = tuple_(*(_typed(key, value) for key, value in zip(keys, cursor.values, strict=True)))
        conditions.append(tuple_(*keys) < bound if descending else tuple_(*keys) > bound)
    order = [key.desc() if descending else key.asc() for key in keys]
    if spec.text.strip():
        conditions = [searched(conditions, search_branches(session, spec.text), order, size + 1)]
    query = (
        select(Ticket, *keys[:-1])
        .where(*conditions)
        .order_by(*order)
        .limit(size + 1)
        .options(selectinload(Ticket.requester), selectinload(Ticket.assignee))
    )
    return paged(list(session.execute(query)), cursor, size)


def paged(rows: list[Any], cursor: Cursor | None, size: int) -> TicketPage:
    """The page from up to `size` + 1 rows of (ticket, sort keys but the id) read in list
    order from `cursor`, with the cursors of its neighbours."""
    backwards = cursor is not None and cursor.before
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
    cursors = [Cursor(tuple(row[1:]) + (row[0].id,)) for row in rows]
    has_newer = cursor is not None and (not backwards or more)
    has_older = bool(rows) and (backwards or more)
    return TicketPage(
        tickets=[row[0] for row in rows],
        newer=replace(cursors[0], before=True) if has_newer and cursors else None,
        older=cursors[-1] if has_older else None,
    )


def capped_count(conditions: list[ColumnElement[bool]], cap: int) -> Select[tuple[int]]:
    """count(*) of the tickets meeting `conditions`, reading at most `cap` + 1 of them: a
    result above `cap` means "more than `cap`".

    A lone OR (a customer manager's organizations or contracts) is counted as the distinct
    union of its alternatives' first `cap` + 1 each: PostgreSQL stops an index scan at a
    LIMIT but answers an OR with a bitmap of every match, 50,000 entries for a big
    organization. The union is right: it holds more than `cap` tickets exactly when the OR does."""
    first = select(Ticket.id)
    if len(conditions) == 1 and _is_or(conditions[0]):
        alternatives = [first.where(part).limit(cap + 1) for part in conditions[0].clauses]
        matches = union(*(select(part.subquery()) for part in alternatives)).subquery()
        return select(func.count()).select_from(select(matches).limit(cap + 1).subquery())
    return select(func.count()).select_from(first.where(*conditions).limit(cap + 1).subquery())


def _is_or(condition: ColumnElement[bool]) -> TypeGuard[BooleanClauseList]:
    return isinstance(condition, BooleanClauseList) and condition.operator is operators.or_


def status_counts(session: Session, spec: TicketFilter, *, viewer: User) -> list[StatusCount] | None:
    """How many of the tickets `viewer` may see of each status match `spec` apart from its
    status filter, each count stopping at COUNT_CAP + 1, so that `capped` can say "more than".
    None while searching for a frequent word: counting half a million matches is the one
    thing that stays slow."""
    conditions = [*filter_conditions(spec, with_status=False), visible_in_panel(session, viewer)]
    if spec.text.strip():
        branches = search_branches(session, spec.text)
        if any(branch.walk is not None for branch in branches):
            return None
        hits = union_all(*(branch.ids for branch in branches)).cte("search_hits") if branches else None
        conditions.append(Ticket.id.in_(select(hits)) if hits is not None else false())
    per_status = [
        capped_count([Ticket.status == status, *conditions], COUNT_CAP).add_columns(literal_column(f"'{status.value}'"))
        for status in Status
    ]
    rows = session.execute(union_all(*per_status)).all()
    return [StatusCount(Status(status), count) for count, status in rows]


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic hook: leave out the list's and the search's objects that the models cannot
    describe (expression indexes, FTS5 tables and their shadow tables), created by migration 0006."""
    if not reflected or compare_to is not None or name is None:
        return True
    if type_ == "index":
        return name not in (PRIORITY_RANK_INDEX, DUE_RANK_INDEX, *POSTGRESQL_SEARCH_INDEXES)
    if type_ == "table":
        return not any(name == fts or name.startswith(f"{fts}_") for fts in SQLITE_FTS_TABLES)
    return True
