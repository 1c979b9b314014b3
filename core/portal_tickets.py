"""What an employee sees of tickets, and may do to them, in the portal.

A person sees the tickets they requested and those they watch, and a customer manager those of
their organizations (the portal's rules of core.permissions); any other number is NotFound,
never "forbidden", so numbers cannot be probed. They see only the public conversation: the
search, too, looks at titles and public messages only, or a search for a word could tell
whether an internal note contains it. The requester (not a watcher) may close a ticket
("this is solved") and reopen a resolved one, where the status table allows; anyone who
sees a ticket may reply, which is a mailed reply by other means (core.tickets.add_message)."""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum

from sqlalchemy import (
    ColumnElement,
    bindparam,
    select,
    tuple_,
)
from sqlalchemy.orm import Session, selectinload

from core.errors import IllegalTransition, NotFound
from core.models import Message, Status, Ticket, User
from core.permissions import (
    Action,
    Surface,
    decide,
    rule_condition,
    ticket_condition,
)
from core.search import search_branches
from core.status import TRANSITIONS
from core.ticket_queries import Cursor, TicketPage, capped_count, paged, searched
from core.tickets import change_status


class Tab(StrEnum):
    MINE = "mine"
    WATCHING = "watching"
    ORGANIZATION = "organization"
    """A customer manager's: the tickets of the organizations under their contracts."""


TAB_RULES = {Tab.MINE: "requester", Tab.WATCHING: "watcher", Tab.ORGANIZATION: "customer_manager"}


def tab_condition(session: Session, tab: Tab, user: User) -> ColumnElement[bool]:
    return rule_condition(session, TAB_RULES[tab], user)


COUNT_CAP = 1_000
"""A tab's heading counts its tickets up to here, then says "1,000+": counting the 50,000
tickets of a big organization would cost more than the page itself."""


def tab_count(session: Session, tab: Tab, user: User) -> int:
    """How many tickets the tab lists, counted up to COUNT_CAP + 1 (more means "over the cap")."""
    return session.scalar(capped_count([tab_condition(session, tab, user)], COUNT_CAP)) or 0


def _visible_to(session: Session, user: User, action: Action = Action.VIEW) -> ColumnElement[bool]:
    return ticket_condition(session, user, action, surface=Surface.PORTAL)


def can_see(session: Session, user: User, number: int) -> bool:
    return session.scalar(select(Ticket.id).where(Ticket.id == number, _visible_to(session, user))) is not None


def visible_ticket(session: Session, user: User, number: int, action: Action = Action.VIEW) -> Ticket:
    """The ticket if `user` may do `action` to it in the portal, with its conversation loaded; else NotFound."""
    query = (
        select(Ticket)
        .where(Ticket.id == number, _visible_to(session, user, action))
        .options(
            selectinload(Ticket.messages).selectinload(Message.attachments),
            selectinload(Ticket.messages).selectinload(Message.author),
        )
    )
    ticket = session.scalar(query)
    if ticket is None:
        raise NotFound(f"no ticket #{number}")
    return ticket


def public_messages(ticket: Ticket) -> list[Message]:
    return [message for message in ticket.messages if message.kind.is_public]


def ticket_page(
    session: Session,
    user: User,
    tab: Tab,
    *,
    text: str = "",
    statuses: Collection[Status] = (),
    cursor: Cursor | None = None,
    size: int = 25,
) -> TicketPage:
    """One page of the tab (in `statuses`, if given), last updated first, keyset-paged on
    (updated_at, id) like the staff list, and searched the same way (core.search) in titles
    and public messages only."""
    keys = (Ticket.updated_at, Ticket.id)
    backwards = cursor is not None and cursor.before
    conditions = [tab_condition(session, tab, user)]
    if statuses:
        conditions.append(Ticket.status.in_(sorted(statuses)))
    if cursor is not None:
        bound = tuple_(*(bindparam(None, value, type_=key.type) for key, value in zip(keys, cursor.values, strict=True)))
        conditions.append(tuple_(*keys) > bound if backwards else tuple_(*keys) < bound)
    order = [key.asc() if backwards else key.desc() for key in keys]
    if text.strip():
        conditions = [searched(conditions, search_branches(session, text, public_only=True), order, size + 1)]
    query = select(Ticket, Ticket.updated_at).where(*conditions).order_by(*order).limit(size + 1)
    return paged(list(session.execute(query.options(selectinload(Ticket.assignee)))), cursor, size)


def _may_change_status(session: Session, ticket: Ticket, user: User) -> bool:
    return bool(decide(session, user, Action.CHANGE_STATUS, ticket, surface=Surface.PORTAL))


def may_close(session: Session, ticket: Ticket, user: User) -> bool:
    return Status.CLOSED in TRANSITIONS[ticket.status] and _may_change_status(session, ticket, user)


def may_reopen(session: Session, ticket: Ticket, user: User) -> bool:
    """Only a resolved ticket: a waiting one needs an answer (a reply), a closed one is final."""
    return ticket.status is Status.RESOLVED and _may_change_status(session, ticket, user)


def close(session: Session, ticket: Ticket, user: User) -> None:
    """The requester's "this is solved"."""
    if not may_close(session, ticket, user):
        raise IllegalTransition(f"{ticket.reference} cannot be closed from here.")
    change_status(session, ticket, Status.CLOSED, actor=user)


def reopen(session: Session, ticket: Ticket, user: User) -> None:
    """Back to work: to its agent if it has one, else to the queue, as a reply would."""
    if not may_reopen(session, ticket, user):
        raise IllegalTransition(f"{ticket.reference} is not resolved, so there is nothing to reopen.")
    change_status(session, ticket, Status.IN_PROGRESS if ticket.assignee_id is not None else Status.NEW, actor=user)
