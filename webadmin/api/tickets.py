"""The requester's routes: open a ticket, list and read their own, comment, and the catalog.

What a person may see is decided by core.portal_tickets, as in the portal: tickets they
requested or watch (and a customer manager those of their organizations), and only the
public conversation; anyone else's number is a 404, never a 403, so numbers cannot be
probed. A new ticket goes through core.portal_intake, so the routing rules run and the
requester gets the acknowledgement, as for a mail. The catalog offered is the portal's:
what the caller's organizations' contracts cover (core.contracts.offered_entries)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.catalog import CatalogEntry, split_path
from core.contracts import offered_entries
from core.errors import InvalidInput
from core.models import MessageKind, Priority, Source
from core.permissions import Action
from core.portal_intake import (
    PortalRequest,
    RequestInvalid,
    WatcherPolicy,
    active_entries,
    open_from_portal,
)
from core.portal_tickets import public_messages, ticket_page, visible_ticket
from core.ticket_queries import Sort
from core.tickets import MessageBody, add_message
from webadmin.api import shapes
from webadmin.api.bearer import Access, caller
from webadmin.api.blueprint import api
from webadmin.api.cursors import parse_cursor
from webadmin.api.errors import ApiError
from webadmin.api.schemas.catalog import CatalogChoices
from webadmin.api.schemas.tickets import (
    MyTicketsQuery,
    NewComment,
    NewTicket,
    TicketDetail,
    TicketPage,
)
from webadmin.api.session import writing
from webadmin.api.uploads import attachments
from webadmin.db import get_runtime, get_session

BODY_FIELDS = {"catalog": "category"}
"""core.portal_intake names a refused field after PortalRequest; the body calls the catalog
entry `category`, and an error must name the field the client sent."""


def active_entry(session: Session, path: str | None) -> CatalogEntry | None:
    """The active catalog entry at `path` (what the portal offers), or 422 on `category`."""
    if path is None:
        return None
    try:
        wanted = "/".join(split_path(path))
    except InvalidInput as error:
        raise ApiError(422, str(error), fields={"category": str(error)}) from None
    entry = next((entry for entry in active_entries(session) if entry.path == wanted), None)
    if entry is None:
        problem = f"{wanted!r} is not an active catalog entry; GET /api/v1/catalog lists them"
        raise ApiError(422, problem, fields={"category": problem})
    return entry


def _policy() -> WatcherPolicy:
    settings = get_runtime().settings
    return WatcherPolicy(settings.watcher_domains, frozenset(settings.support_addresses))


@api.operation("POST", "/tickets", tag="Tickets", access=Access.USER, body=NewTicket, response=TicketDetail, status=201)
def open_request(body: NewTicket) -> tuple[TicketDetail, dict[str, str]]:
    """Open a request, as a mail to the support address would.

    The routing rules run over it (they may file, prioritise or assign it, or refuse it: 422),
    and the requester gets the acknowledgement mail."""
    files = attachments(body.attachments, caller())
    try:
        with writing() as (session, me):
            wanted = PortalRequest(
                title=body.title, description=body.description, catalog=active_entry(session, body.category),
                priority=Priority(body.priority), attachments=files, watchers=tuple(body.watchers), source=Source.API,
            )  # fmt: skip
            support = get_runtime().settings.support_address
            ticket = open_from_portal(session, me, wanted, _policy(), support_address=support)
            reply = shapes.detail(ticket, public_messages(ticket))
    except RequestInvalid as refused:
        raise RequestInvalid({BODY_FIELDS.get(name, name): problem for name, problem in refused.errors.items()}) from None
    return reply, {"Location": f"{api.blueprint.url_prefix}/tickets/{reply.number}"}


@api.operation("GET", "/tickets", tag="Tickets", access=Access.USER, query=MyTicketsQuery, response=TicketPage)
def my_tickets(query: MyTicketsQuery) -> TicketPage:
    """Your tickets (or those you watch, or your organizations'), last updated first, a page at a time."""
    cursor = parse_cursor(Sort.UPDATED, query.cursor)
    found = ticket_page(
        get_session(), caller(), query.tab, text=query.q, statuses=query.status, cursor=cursor, size=query.limit
    )
    return shapes.page(found)


@api.operation("GET", "/tickets/{number}", tag="Tickets", access=Access.USER, response=TicketDetail)
def my_ticket(number: int) -> TicketDetail:
    """One of your tickets with its public conversation (404 for anyone else's)."""
    ticket = visible_ticket(get_session(), caller(), number)
    return shapes.detail(ticket, public_messages(ticket))


@api.operation(
    "POST", "/tickets/{number}/comments", tag="Tickets", access=Access.USER, body=NewComment,
    response=TicketDetail, status=201,
)  # fmt: skip
def comment(number: int, body: NewComment) -> TicketDetail:
    """Reply on one of your tickets, as a mailed reply would (it reopens a waiting or resolved ticket).

    A closed ticket takes no replies (422): open a new request instead."""
    if not body.text.strip():
        raise ApiError(422, "The comment is empty.", fields={"text": "Write something."})
    files = attachments(body.attachments, caller())
    with writing() as (session, me):
        ticket = visible_ticket(session, me, number, Action.COMMENT)
        message = MessageBody(text=body.text.strip(), attachments=files)
        add_message(session, ticket, author=me, kind=MessageKind.WEB, body=message)
        return shapes.detail(ticket, public_messages(ticket))


@api.operation("GET", "/catalog", tag="Catalog", access=Access.USER, response=CatalogChoices)
def catalog() -> CatalogChoices:
    """What you may open a ticket under: groups, their categories and subcategories, each with its path.

    The active catalog; for someone whose organizations have contracts, only what those
    contracts cover, as in the portal's form (a group or category they cover only in part is
    listed with `choosable` false, for what lies under it)."""
    session = get_session()
    return shapes.choices(offered_entries(session, caller(), active_entries(session)))
