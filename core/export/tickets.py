"""The ticket list (with the staff list's filters, core.ticket_queries) and whole tickets with
their conversations, as rows for CSV/XLSX and as JSON lines.

Tickets are read in batches of BATCH in number order (keyset on the id, never OFFSET), and
each batch is dropped from the session before the next: an export of a million tickets holds
one batch at a time. Give the export a session of its own.

Formats:
- list (CSV, XLSX, JSON lines): one row per ticket, LIST_COLUMNS: the fields of
  `postdesk tickets list --json` plus `description`, the ticket's first message. This is also
  the format `core.importing` reads, so an export imports back as the same tickets.
- full: JSON lines of `postdesk tickets show --json` documents (summary, watchers, messages
  with their attachments' metadata); XLSX with a `tickets` sheet (as the list) and a
  `messages` sheet; CSV of the messages (MESSAGE_COLUMNS), one row per message."""

from __future__ import annotations

import json
from collections.abc import Iterator
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, false, func, select, union_all
from sqlalchemy.orm import Session, selectinload

from core.export.writers import Sheet, csv_lines, xlsx_chunks
from core.models import Message, Ticket, User
from core.permissions import Action
from core.search import search_branches
from core.serialize import ticket_detail, ticket_summary
from core.ticket_queries import TicketFilter, filter_conditions, visible_in_panel

BATCH = 500

LIST_COLUMNS = (
    "number", "title", "status", "priority", "source", "requester", "assignee", "category",
    "created_at", "updated_at", "first_response_at", "resolved_at", "closed_at", "description",
)  # fmt: skip
MESSAGE_COLUMNS = ("ticket", "kind", "author", "created_at", "text", "attachments")
TIME_COLUMNS = frozenset({"created_at", "updated_at", "first_response_at", "resolved_at", "closed_at"})


class Scope(StrEnum):
    LIST = "list"
    FULL = "full"


class Format(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"
    JSONL = "jsonl"

    @property
    def media_type(self) -> str:
        return {
            Format.CSV: "text/csv; charset=utf-8",
            Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Format.JSONL: "application/x-ndjson; charset=utf-8",
        }[self]


def export_conditions(session: Session, spec: TicketFilter, scope: Scope, viewer: User | None) -> list[ColumnElement[bool]]:
    """The list's filter, its search text included (every match, not just a page's worth), and
    only the tickets `viewer` may see in the panel (with their internal notes, for the whole
    tickets). `viewer` None: the command line's operator, who exports every ticket."""
    conditions = filter_conditions(spec)
    if viewer is not None:
        action = Action.SEE_INTERNAL_NOTES if scope is Scope.FULL else Action.VIEW
        conditions.append(visible_in_panel(session, viewer, action))
    if spec.text.strip():
        branches = search_branches(session, spec.text)
        if not branches:
            return [*conditions, false()]
        hits = union_all(*(branch.ids for branch in branches)).cte("search_hits")
        conditions.append(Ticket.id.in_(select(hits)))
    return conditions


def ticket_batches(session: Session, conditions: list[ColumnElement[bool]], *, full: bool) -> Iterator[list[Ticket]]:
    """The tickets meeting `conditions` (export_conditions) in number order, BATCH at a time,
    with what the rows need loaded."""
    options = [selectinload(Ticket.requester), selectinload(Ticket.assignee), selectinload(Ticket.group),
               selectinload(Ticket.category), selectinload(Ticket.subcategory)]  # fmt: skip
    if full:
        options += [selectinload(Ticket.watchers),
                    selectinload(Ticket.messages).selectinload(Message.author),
                    selectinload(Ticket.messages).selectinload(Message.attachments)]  # fmt: skip
    last = 0
    while True:
        query = select(Ticket).where(Ticket.id > last, *conditions).order_by(Ticket.id).limit(BATCH).options(*options)
        batch = list(session.scalars(query))
        if not batch:
            return
        yield batch
        last = batch[-1].id
        session.expunge_all()


def descriptions(session: Session, tickets: list[Ticket]) -> dict[int, str]:
    """Each ticket's first message text, by ticket number (one query per batch)."""
    firsts = select(func.min(Message.id)).where(Message.ticket_id.in_([ticket.id for ticket in tickets])).group_by(Message.ticket_id)
    rows = session.execute(select(Message.ticket_id, Message.text).where(Message.id.in_(firsts)))
    return {number: text for number, text in rows}


def list_row(ticket: Ticket, description: str) -> tuple[Any, ...]:
    return (
        ticket.id, ticket.title, ticket.status.value, ticket.priority.value, ticket.source.value,
        ticket.requester.email, ticket.assignee.email if ticket.assignee else None, ticket.category_path,
        ticket.created_at, ticket.updated_at, ticket.first_response_at, ticket.resolved_at, ticket.closed_at, description,
    )  # fmt: skip


def list_rows(session: Session, conditions: list[ColumnElement[bool]]) -> Iterator[tuple[Any, ...]]:
    for batch in ticket_batches(session, conditions, full=False):
        texts = descriptions(session, batch)
        yield from (list_row(ticket, texts.get(ticket.id, "")) for ticket in batch)


def message_rows(session: Session, conditions: list[ColumnElement[bool]]) -> Iterator[tuple[Any, ...]]:
    for batch in ticket_batches(session, conditions, full=True):
        for ticket in batch:
            for message in ticket.messages:
                names = ", ".join(item.filename for item in message.attachments)
                yield (ticket.id, message.kind.value, message.author.email if message.author else None,
                       message.created_at, message.text, names)  # fmt: skip


def json_lines(session: Session, conditions: list[ColumnElement[bool]], scope: Scope) -> Iterator[str]:
    """One JSON document per line: the list's summary plus description, or the whole ticket."""
    for batch in ticket_batches(session, conditions, full=scope is Scope.FULL):
        if scope is Scope.FULL:
            documents = [ticket_detail(ticket) for ticket in batch]
        else:
            texts = descriptions(session, batch)
            documents = [{**ticket_summary(ticket), "description": texts.get(ticket.id, "")} for ticket in batch]
        yield "".join(json.dumps(document, ensure_ascii=False) + "\n" for document in documents)



def export_chunks(
    session: Session, spec: TicketFilter, scope: Scope, fmt: Format, *, viewer: User | None
) -> Iterator[bytes]:
    """The whole export as byte chunks: CSV and JSON lines as they are produced, XLSX once
    written; of the tickets `viewer` may see (export_conditions)."""
    conditions = export_conditions(session, spec, scope, viewer)
    if fmt is Format.JSONL:
        yield from (chunk.encode() for chunk in json_lines(session, conditions, scope))
    elif fmt is Format.CSV:
        columns, rows = (
            (LIST_COLUMNS, list_rows(session, conditions)) if scope is Scope.LIST else (MESSAGE_COLUMNS, message_rows(session, conditions))
        )
        yield from (chunk.encode() for chunk in csv_lines(columns, rows))
    else:
        sheets = [Sheet("tickets", LIST_COLUMNS, list_rows(session, conditions))]
        if scope is Scope.FULL:
            sheets.append(Sheet("messages", MESSAGE_COLUMNS, message_rows(session, conditions)))
        yield from xlsx_chunks(sheets)


def export_filename(scope: Scope, fmt: Format, stamp: str) -> str:
    return f"postdesk-tickets-{scope.value}-{stamp}.{fmt.value}"
