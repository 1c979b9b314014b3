"""Importing tickets: one row per ticket, in the format of the list export
(core.export.tickets.LIST_COLUMNS), so an export imports back as the same tickets.

Columns: `title` and `requester` (an existing user's address) are required; `number`,
`status` (new when empty), `priority` (medium), `source` (email; `mail` and `portal` are
read as email and web), `assignee` (an existing staff member), `category` (an existing
`Group/Category/Subcategory` path), the times `created_at`, `updated_at`,
`first_response_at`, `resolved_at`, `closed_at` (ISO 8601, UTC unless they carry an
offset; `created_at` is the import's time when empty) and `description` (the first message).

Numbers: a ticket keeps the number the file gives it when no ticket here has it; otherwise
(or without a number) it gets the next free one. The report maps every row's number to
ours. The same number twice in the file is a problem. On PostgreSQL the ticket number
sequence is first moved past the highest number in the file, so tickets opened while the
import runs never take one of them (if the import then fails, those numbers stay unused).

History: each ticket gets events dated as the file says (created; assigned; its status,
at its resolution or closing time) and one `imported` event now, so reports count
imported work on the days it happened. Nothing is mailed.

Organizations: each ticket is filed under its requester's organization and contract by the
mail intake's rule (core.placement: memberships, else the mail domain; the contracts in force
on the day it was created that cover its category), with the events dated at its creation.
The contract's SLA policy is not applied: imported tickets get no SLA clocks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from core.catalog import CatalogEntry
from core.contracts import ticket_entry
from core.errors import InvalidInput
from core.importing.lookups import catalog_by_path, path_key, users_by_email
from core.importing.report import ImportReport, NumberMapping, check_columns
from core.importing.source import SourceRow, SourceTable
from core.importing.values import parse_choice, parse_number, parse_time
from core.models import (
    Message,
    MessageKind,
    Priority,
    Source,
    Status,
    Ticket,
    TicketEvent,
    User,
    utcnow,
)
from core.placement import Placement, placement
from core.ticket_queries import OPEN_STATUSES
from core.tickets import clean_title

COLUMNS = ("number", "title", "status", "priority", "source", "requester", "assignee", "category",
           "created_at", "updated_at", "first_response_at", "resolved_at", "closed_at", "description")  # fmt: skip
REQUIRED = ("title", "requester")
LATER_TIMES = ("first_response_at", "resolved_at", "closed_at", "updated_at")
SOURCE_ALIASES = {"mail": Source.EMAIL, "portal": Source.WEB}
FIRST_MESSAGE = {Source.EMAIL: MessageKind.EMAIL_IN, Source.WEB: MessageKind.WEB, Source.API: MessageKind.WEB}


@dataclass(slots=True)
class NewTicket:
    row: int
    theirs: int | None
    title: str
    status: Status
    priority: Priority
    source: Source
    requester: User | None
    assignee: User | None
    catalog: CatalogEntry | None
    times: dict[str, datetime | None]
    description: str


@dataclass(frozen=True, slots=True)
class Lookups:
    users: dict[str, User]
    catalog: dict[tuple[str, ...], CatalogEntry]
    now: datetime


def _person(lookups: Lookups, address: str, *, staff: bool) -> User | None:
    if not address:
        return None
    user = lookups.users.get(address.lower())
    if user is None:
        raise InvalidInput(f"unknown user {address!r}")
    if staff and not user.is_staff:
        raise InvalidInput(f"{address} is not staff and cannot be the assignee")
    return user


def _requester(lookups: Lookups, address: str) -> User | None:
    if not address:
        raise InvalidInput("a requester address is required")
    return _person(lookups, address, staff=False)


def _title(text: str) -> str:
    if not text:
        raise InvalidInput("a title is required")
    return clean_title(text)


def _catalog(lookups: Lookups, path: str) -> CatalogEntry | None:
    if not path:
        return None
    entry = lookups.catalog.get(path_key(path))
    if entry is None:
        raise InvalidInput(f"unknown category {path!r}")
    return entry


def _parse(row: SourceRow, lookups: Lookups, report: ImportReport) -> NewTicket | None:
    before, n = len(report.problems), row.number
    times = {column: report.parsed(n, column, lambda c=column: parse_time(row.cells.get(c)), None)
             for column in ("created_at", *LATER_TIMES)}  # fmt: skip
    ticket = NewTicket(
        n,
        report.parsed(n, "number", lambda: parse_number(row.text("number")), None),
        report.parsed(n, "title", lambda: _title(row.text("title")), ""),
        report.parsed(n, "status", lambda: parse_choice(row.text("status"), Status, Status.NEW), Status.NEW),
        report.parsed(n, "priority", lambda: parse_choice(row.text("priority"), Priority, Priority.MEDIUM), Priority.MEDIUM),
        report.parsed(n, "source", lambda: parse_choice(row.text("source"), Source, Source.EMAIL, SOURCE_ALIASES), Source.EMAIL),
        report.parsed(n, "requester", lambda: _requester(lookups, row.text("requester")), None),
        report.parsed(n, "assignee", lambda: _person(lookups, row.text("assignee"), staff=True), None),
        report.parsed(n, "category", lambda: _catalog(lookups, row.text("category")), None),
        times,
        row.text("description"),
    )
    if len(report.problems) == before:
        _complete_times(ticket, lookups.now, report)
    return ticket if len(report.problems) == before else None


def _complete_times(ticket: NewTicket, now: datetime, report: ImportReport) -> None:
    """Fill what the status implies, and refuse times that contradict each other."""
    times = ticket.times
    created = times["created_at"] = times["created_at"] or now
    for column in LATER_TIMES:
        moment = times[column]
        if moment is not None and moment < created:
            report.problem(ticket.row, column, f"{moment.isoformat()} is before created_at {created.isoformat()}")
    if ticket.status in OPEN_STATUSES:
        for column in ("resolved_at", "closed_at"):
            if times[column] is not None:
                report.problem(ticket.row, column, f"an {ticket.status.value} ticket has no {column}; leave it empty")
        return
    end = times["closed_at"] or times["resolved_at"] or times["updated_at"] or created
    times["resolved_at"] = times["resolved_at"] or end
    if ticket.status is Status.CLOSED:
        times["closed_at"] = end
    elif times["closed_at"] is not None:
        report.problem(ticket.row, "closed_at", "a resolved ticket is not closed; leave closed_at empty")


def _check_numbers(planned: list[NewTicket], report: ImportReport) -> None:
    seen: dict[int, int] = {}
    for ticket in planned:
        if ticket.theirs is None:
            continue
        if ticket.theirs in seen:
            report.problem(ticket.row, "number", f"#{ticket.theirs} is in row {seen[ticket.theirs]} already")
        seen.setdefault(ticket.theirs, ticket.row)


def _taken(session: Session, numbers: list[int]) -> set[int]:
    taken: set[int] = set()
    for start in range(0, len(numbers), 500):
        taken.update(session.scalars(select(Ticket.id).where(Ticket.id.in_(numbers[start:start + 500]))))
    return taken


def plan_tickets(session: Session, table: SourceTable, report: ImportReport) -> list[NewTicket]:
    """The tickets to create, each with the number it will keep (or None: the next free one)."""
    if not check_columns(table, report, REQUIRED, COLUMNS):
        return []
    report.rows = len(table.rows)
    addresses = [row.text(column) for row in table.rows for column in ("requester", "assignee")]
    lookups = Lookups(users_by_email(session, addresses), catalog_by_path(session), utcnow())
    planned = [ticket for row in table.rows if (ticket := _parse(row, lookups, report)) is not None]
    _check_numbers(planned, report)
    taken = _taken(session, sorted({ticket.theirs for ticket in planned if ticket.theirs is not None}))
    report.numbers = [NumberMapping(t.row, t.theirs, t.theirs if t.theirs is not None and t.theirs not in taken else None)
                      for t in planned]  # fmt: skip
    return planned


def _advance_sequence(session: Session, highest: int) -> None:
    """PostgreSQL: new tickets (ours and anyone else's) get numbers above `highest`."""
    if session.get_bind().dialect.name != "postgresql":
        return
    session.execute(
        text("SELECT setval(pg_get_serial_sequence('tickets', 'id'), GREATEST(:highest, (SELECT coalesce(max(id), 1) FROM tickets)))"),
        {"highest": highest},
    )


def _ticket(planned: NewTicket, number: int | None) -> Ticket:
    times = planned.times
    catalog = planned.catalog
    later = [moment for moment in times.values() if moment is not None]
    return Ticket(
        id=number, title=planned.title, requester=planned.requester, assignee=planned.assignee,
        group=catalog.group if catalog else None, category=catalog.category if catalog else None,
        subcategory=catalog.subcategory if catalog else None,
        priority=planned.priority, status=planned.status, source=planned.source,
        created_at=times["created_at"], updated_at=times["updated_at"] or max(later),
        first_response_at=times["first_response_at"], resolved_at=times["resolved_at"], closed_at=times["closed_at"],
    )  # fmt: skip


def _history(ticket: Ticket, planned: NewTicket, now: datetime) -> list[TicketEvent | Message]:
    created = ticket.created_at
    rows: list[TicketEvent | Message] = [TicketEvent(ticket=ticket, field="created", new_value=ticket.reference, created_at=created)]
    if planned.assignee is not None:
        rows.append(TicketEvent(ticket=ticket, field="assignee", new_value=planned.assignee.email, created_at=created))
    if planned.status is not Status.NEW:
        when = ticket.closed_at or ticket.resolved_at or ticket.updated_at
        rows.append(TicketEvent(ticket=ticket, field="status", old_value=Status.NEW.value, new_value=planned.status.value, created_at=when))
    origin = f"row {planned.row}" + (f", #{planned.theirs} there" if planned.theirs is not None else "")
    rows.append(TicketEvent(ticket=ticket, field="imported", new_value=origin, created_at=now))
    if planned.description:
        rows.append(Message(ticket=ticket, kind=FIRST_MESSAGE[planned.source], author=planned.requester,
                            text=planned.description, full_text=planned.description, created_at=created))  # fmt: skip
    return rows


PlacementKey = tuple[int, int | None, int | None, date]
"""(requester, group, category, day): what a placement depends on, so each is decided once."""


def _filed(session: Session, ticket: Ticket, decided: dict[PlacementKey, Placement]) -> list[TicketEvent]:
    """File the ticket under its organization and contract (core.placement) as of its
    creation day; the events that say so, dated then."""
    created = ticket.created_at
    key = (ticket.requester.id, ticket.group_id, ticket.category_id, created.date())
    if key not in decided:
        decided[key] = placement(session, ticket.requester, ticket_entry(ticket), on=created.date())
    organization, contract = decided[key].organization, decided[key].contract
    events = []
    if organization is not None:
        ticket.organization_id = organization.id
        events.append(TicketEvent(ticket=ticket, field="organization", new_value=organization.name, created_at=created))
    if contract is not None:
        ticket.contract_id = contract.id
        events.append(TicketEvent(ticket=ticket, field="contract", new_value=contract.name, created_at=created))
    return events


def import_tickets(session: Session, table: SourceTable, *, dry_run: bool) -> ImportReport:
    report = ImportReport("tickets", dry_run)
    planned = plan_tickets(session, table, report)
    if dry_run or not report.ok:
        return report
    kept = {mapping.row: mapping.ours for mapping in report.numbers}
    _advance_sequence(session, max((item.theirs for item in planned if item.theirs is not None), default=0))
    ordered = sorted(planned, key=lambda item: kept[item.row] is None)  # kept numbers first: none is taken by an automatic one
    tickets = [_ticket(item, kept[item.row]) for item in ordered]
    session.add_all(tickets)
    session.flush()
    now = utcnow()
    decided: dict[PlacementKey, Placement] = {}
    for ticket, item in zip(tickets, ordered, strict=True):
        session.add_all(_history(ticket, item, now))
        session.add_all(_filed(session, ticket, decided))
    session.flush()
    ours = {item.row: ticket.id for ticket, item in zip(tickets, ordered, strict=True)}
    report.numbers = [NumberMapping(mapping.row, mapping.theirs, ours[mapping.row]) for mapping in report.numbers]
    report.imported = len(tickets)
    return report

