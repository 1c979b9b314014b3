"""Tickets as the API shows them and the bodies that open, comment on and change them.

A ticket's fields are those of the command line's JSON (core.serialize, a public interface):
the same names and meanings, so a script can move between `postdesk tickets show --json` and
the API."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from core.models import MessageKind, Priority, Source, Status
from core.portal_intake import DESCRIPTION_MAX, WATCHERS_MAX
from core.portal_tickets import Tab
from core.ticket_queries import Sort
from core.tickets import TITLE_MAX
from webadmin.api.schemas.common import (
    NO_NUL,
    DbId,
    Email,
    Query,
    Reply,
    RequestBody,
)
from webadmin.forms import MAX_FILES

PAGE_MAX = 100
UploadId = Annotated[str, StringConstraints(min_length=1, max_length=1000), NO_NUL]
Cursor = Annotated[str, StringConstraints(min_length=1, max_length=200), NO_NUL]
Search = Annotated[str, StringConstraints(max_length=500), NO_NUL]
CatalogPath = Annotated[str, StringConstraints(min_length=1, max_length=400), NO_NUL]
MessageText = Annotated[str, StringConstraints(min_length=1, max_length=DESCRIPTION_MAX), NO_NUL]


class TicketSummary(Reply):
    number: int
    title: str
    status: Status
    priority: Priority
    source: Source
    requester: str
    assignee: str | None
    category: str | None = Field(description="Group/Category/Subcategory, as far as it is set.")
    created_at: datetime
    updated_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None


class AttachmentOut(Reply):
    filename: str
    content_type: str
    size: int
    sha256: str


class MessageOut(Reply):
    kind: MessageKind
    author: str | None
    text: str
    message_id: str | None
    created_at: datetime
    attachments: list[AttachmentOut]


class TicketDetail(TicketSummary):
    """A ticket as its requester and watchers see it: the public conversation only."""

    watchers: list[str]
    messages: list[MessageOut]


class EventOut(Reply):
    field: str
    old: str | None
    new: str | None
    actor: str | None
    at: datetime


class StaffTicketDetail(TicketDetail):
    """A ticket as staff see it: every message, internal notes included, and its history."""

    events: list[EventOut]


class TicketPage(Reply):
    tickets: list[TicketSummary]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next (older) page; null on the last.")
    prev_cursor: str | None = Field(description="Pass as `cursor` for the previous (newer) page; null on the first.")


class NewTicket(RequestBody):
    """A request, opened as a mail to the support address would be: the routing rules run,
    the requester gets the acknowledgement mail."""

    title: Annotated[str, StringConstraints(max_length=TITLE_MAX), NO_NUL]
    description: Annotated[str, StringConstraints(max_length=DESCRIPTION_MAX), NO_NUL]
    category: CatalogPath | None = Field(None, description="An active catalog path, e.g. `IT/Hardware`; null lets the helpdesk decide.")
    priority: Literal["low", "medium", "high"] = Field("medium", description="Urgent is the helpdesk's call.")
    watchers: list[Email] = Field(default_factory=list, max_length=WATCHERS_MAX)
    attachments: list[UploadId] = Field(default_factory=list, max_length=MAX_FILES, description="Ids from POST /uploads.")


class NewComment(RequestBody):
    text: MessageText
    attachments: list[UploadId] = Field(default_factory=list, max_length=MAX_FILES, description="Ids from POST /uploads.")


class MyTicketsQuery(Query):
    tab: Tab = Field(
        Tab.MINE,
        description="`mine`: tickets you asked for; `watching`: those you follow; `organization`: a customer "
        "manager's, every ticket of the organizations whose contracts you manage (their sub-organizations "
        "included) or filed under those contracts, the portal's \"My organization\" (empty for anyone else).",
    )
    q: Search = Field("", description="Words in the title or the public conversation, or a ticket number.")
    status: list[Status] = Field(default_factory=list, description="Any of these statuses (repeat the parameter).")
    cursor: Cursor | None = None
    limit: int = Field(25, ge=1, le=PAGE_MAX)


class StatusFilter(StrEnum):
    """A status, or `open` for every status but resolved and closed."""

    OPEN = "open"
    NEW = "new"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    WAITING_ON_CUSTOMER = "waiting_on_customer"
    RESOLVED = "resolved"
    CLOSED = "closed"


class StaffTicketsQuery(Query):
    """The staff list's filters, as in the panel."""

    q: Search = Field("", description="Full-text search over titles and every message, or a ticket number.")
    status: list[StatusFilter] = Field(default_factory=list, description="Any of these (repeat the parameter).")
    priority: Priority | None = None
    group_id: DbId | None = None
    category_id: DbId | None = None
    assignee: Annotated[str, StringConstraints(max_length=320), NO_NUL] | None = Field(
        None, description="A staff member's email, `me` or `unassigned`."
    )
    requester: Annotated[str, StringConstraints(max_length=320), NO_NUL] = Field(
        "", description="The start of the requester's address."
    )
    created_from: date | None = None
    created_to: date | None = None
    sort: Sort = Sort.UPDATED
    cursor: Cursor | None = None
    limit: int = Field(50, ge=1, le=PAGE_MAX)


class AssignBody(RequestBody):
    assignee: Email | None = Field(description="A staff member's email; null unassigns.")


class StatusBody(RequestBody):
    status: Status


class PriorityBody(RequestBody):
    priority: Priority


class CategoryBody(RequestBody):
    category: CatalogPath | None = Field(description="A catalog path such as `IT/Hardware`; null clears it.")


class UploadOut(Reply):
    id: str = Field(description="Put this in `attachments` of a new ticket or comment (valid for a day, for you only).")
    filename: str
    content_type: str = Field(description="What the content proves (PNG, PDF, ...), never the client's word.")
    size: int
    sha256: str
