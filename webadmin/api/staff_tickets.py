"""The staff's ticket routes: the list with every filter of the panel, one ticket in full, and
the panel's actions (assign, status, priority, category, reply, internal note).

Each action is one call of the core service the panel's button makes (core.tickets), in one
unit of work: the same status table, the same audit events, the same notifications. Staff see
the tickets the panel shows them (core.permissions: today every ticket); clients get 403 here."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy.orm import Session

from core.catalog import resolve_path
from core.errors import DomainError, NotFound
from core.models import MessageKind, Status, Ticket, User
from core.permissions import Action, Surface, decide
from core.ticket_queries import OPEN_STATUSES, TicketFilter, ticket_page
from core.tickets import (
    MessageBody,
    add_message,
    assign,
    change_status,
    get_ticket,
    set_catalog,
    set_priority,
)
from core.users import find_user
from webadmin.api import shapes
from webadmin.api.bearer import Access, caller
from webadmin.api.blueprint import api
from webadmin.api.cursors import parse_cursor
from webadmin.api.errors import ApiError
from webadmin.api.schemas.tickets import (
    AssignBody,
    CategoryBody,
    NewComment,
    PriorityBody,
    StaffTicketDetail,
    StaffTicketsQuery,
    StatusBody,
    StatusFilter,
    TicketPage,
)
from webadmin.api.session import writing
from webadmin.api.uploads import attachments
from webadmin.db import get_session

Change = Callable[[Session, Ticket, User], None]


def _statuses(wanted: list[StatusFilter]) -> frozenset[Status]:
    chosen: set[Status] = set()
    for item in wanted:
        chosen |= OPEN_STATUSES if item is StatusFilter.OPEN else {Status(item.value)}
    return frozenset(chosen)


def _assignee_filter(session: Session, me: User, assignee: str | None) -> tuple[int | None, bool]:
    """(assignee id, unassigned) for the filter's `assignee`: an address, `me` or `unassigned`."""
    if not assignee:
        return None, False
    if assignee == "unassigned":
        return None, True
    if assignee == "me":
        return me.id, False
    person = find_user(session, assignee)
    if person is None or not person.is_staff:
        problem = f"{assignee!r} is not a staff member's address, `me` or `unassigned`"
        raise ApiError(422, "No such staff member.", fields={"assignee": problem})
    return person.id, False


def staff_filter(session: Session, me: User, query: StaffTicketsQuery) -> TicketFilter:
    """The query as the panel's TicketFilter; 422 for an assignee nobody is, or a date past the calendar."""
    if query.created_to == date.max:
        raise ApiError(422, "The date is out of range.", fields={"created_to": "must be before 9999-12-31"})
    assignee_id, unassigned = _assignee_filter(session, me, query.assignee)
    return TicketFilter(
        statuses=_statuses(query.status), priority=query.priority, group_id=query.group_id,
        category_id=query.category_id, assignee_id=assignee_id, unassigned=unassigned, requester=query.requester,
        created_from=query.created_from, created_to=query.created_to, text=query.q,
    )  # fmt: skip


@api.operation("GET", "/admin/tickets", tag="Staff: tickets", access=Access.STAFF, query=StaffTicketsQuery, response=TicketPage)
def tickets(query: StaffTicketsQuery) -> TicketPage:
    """Tickets, with the panel's filters, search, sorts and keyset pages.

    Only the tickets you may see in the panel: for agents and admins, every ticket."""
    session, me = get_session(), caller()
    spec = staff_filter(session, me, query)
    found = ticket_page(session, spec, query.sort, parse_cursor(query.sort, query.cursor), query.limit, viewer=me)
    return shapes.page(found)


@api.operation("GET", "/admin/tickets/{number}", tag="Staff: tickets", access=Access.STAFF, response=StaffTicketDetail)
def ticket(number: int) -> StaffTicketDetail:
    """One ticket with every message (internal notes included) and its history."""
    return shapes.staff_detail(_permitted(get_session(), caller(), number, Action.SEE_INTERNAL_NOTES))


def _permitted(session: Session, me: User, number: int, action: Action) -> Ticket:
    """The ticket if `me` may do `action` to it in the panel (core.permissions); else a 404."""
    found = get_ticket(session, number)
    if not decide(session, me, action, found, surface=Surface.PANEL):
        raise NotFound(f"no ticket #{number}")
    return found


def _changed(number: int, change: Change, action: Action = Action.WORK) -> StaffTicketDetail:
    """Run `change` in one unit of work and answer with the ticket as it is then."""
    with writing() as (session, me):
        found = _permitted(session, me, number, action)
        change(session, found, me)
        return shapes.staff_detail(found)


def _staff_member(session: Session, email: str | None) -> User | None:
    if email is None:
        return None
    person = find_user(session, email)
    if person is None or not person.active:
        raise ApiError(422, "No such active user.", fields={"assignee": f"no active user {email!r}"})
    return person


@api.operation("PUT", "/admin/tickets/{number}/assign", tag="Staff: tickets", access=Access.STAFF, body=AssignBody, response=StaffTicketDetail)
def assign_ticket(number: int, body: AssignBody) -> StaffTicketDetail:
    """Assign to a staff member by email, or unassign with null (a new ticket becomes assigned)."""

    def change(session: Session, found: Ticket, me: User) -> None:
        assign(session, found, _staff_member(session, body.assignee), actor=me)

    return _changed(number, change)


@api.operation(
    "PUT", "/admin/tickets/{number}/status", tag="Staff: tickets", access=Access.STAFF, body=StatusBody,
    response=StaffTicketDetail, errors={409},
)  # fmt: skip
def ticket_status(number: int, body: StatusBody) -> StaffTicketDetail:
    """Move the ticket to another status; a move the status table does not allow is a 409."""
    return _changed(number, lambda session, found, me: change_status(session, found, body.status, actor=me))


@api.operation("PUT", "/admin/tickets/{number}/priority", tag="Staff: tickets", access=Access.STAFF, body=PriorityBody, response=StaffTicketDetail)
def ticket_priority(number: int, body: PriorityBody) -> StaffTicketDetail:
    """Set the priority."""
    return _changed(number, lambda session, found, me: set_priority(session, found, body.priority, actor=me))


@api.operation("PUT", "/admin/tickets/{number}/category", tag="Staff: tickets", access=Access.STAFF, body=CategoryBody, response=StaffTicketDetail)
def ticket_category(number: int, body: CategoryBody) -> StaffTicketDetail:
    """File the ticket under a catalog path (any existing entry), or clear it with null."""

    def change(session: Session, found: Ticket, me: User) -> None:
        entry = None
        if body.category is not None:
            try:
                entry = resolve_path(session, body.category)
            except DomainError as error:
                raise ApiError(422, str(error), fields={"category": str(error)}) from None
        set_catalog(session, found, entry, actor=me)

    return _changed(number, change)


def _message(number: int, body: NewComment, kind: MessageKind) -> StaffTicketDetail:
    if not body.text.strip():
        raise ApiError(422, "The message is empty.", fields={"text": "Write something."})
    files = attachments(body.attachments, caller())
    message = MessageBody(text=body.text.strip(), attachments=files)

    def change(session: Session, found: Ticket, me: User) -> None:
        add_message(session, found, author=me, kind=kind, body=message)

    return _changed(number, change, Action.SEE_INTERNAL_NOTES if kind is MessageKind.NOTE else Action.COMMENT)


@api.operation(
    "POST", "/admin/tickets/{number}/replies", tag="Staff: tickets", access=Access.STAFF, body=NewComment,
    response=StaffTicketDetail, status=201,
)  # fmt: skip
def reply(number: int, body: NewComment) -> StaffTicketDetail:
    """A public answer: mailed (with its files) to the requester and watchers."""
    return _message(number, body, MessageKind.WEB)


@api.operation(
    "POST", "/admin/tickets/{number}/notes", tag="Staff: tickets", access=Access.STAFF, body=NewComment,
    response=StaffTicketDetail, status=201,
)  # fmt: skip
def note(number: int, body: NewComment) -> StaffTicketDetail:
    """An internal note: staff only, never mailed to the requester."""
    return _message(number, body, MessageKind.NOTE)
