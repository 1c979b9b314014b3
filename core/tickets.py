"""The ticket service: the only code that opens tickets, adds messages and changes their fields.

Every change writes a TicketEvent (who, when, field, old, new) in the caller's transaction;
the caller (web request, inbound message, job) commits."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.catalog import CatalogEntry
from core.errors import InvalidInput, NotFound
from core.models import (
    Attachment,
    LinkKind,
    Message,
    MessageKind,
    Priority,
    Service,
    Source,
    Status,
    Ticket,
    TicketEvent,
    TicketLink,
    User,
    utcnow,
)
from core.notify import dispatch
from core.notify.policy import Change
from core.sla import tracking as sla
from core.status import REOPENED_BY_CUSTOMER_REPLY, check_transition

TITLE_MAX = 500


@dataclass(frozen=True, slots=True)
class NewAttachment:
    """An attachment whose bytes are already in the BlobStore under `sha256`."""

    filename: str
    content_type: str
    size: int
    sha256: str
    content_id: str | None = None
    inline: bool = False


@dataclass(frozen=True, slots=True)
class MessageBody:
    text: str
    full_text: str = ""
    html: str | None = None
    attachments: tuple[NewAttachment, ...] = field(default_factory=tuple)


def get_ticket(session: Session, number: int) -> Ticket:
    ticket = session.get(Ticket, number)
    if ticket is None:
        raise NotFound(f"no ticket #{number}")
    return ticket


def record_event(
    session: Session,
    ticket: Ticket,
    actor: User | None,
    name: str,
    old: object,
    new: object,
    message: Message | None = None,
) -> TicketEvent:
    """Write the audit row and let the notification policy react, in the same transaction."""
    event = TicketEvent(
        ticket=ticket,
        actor_id=actor.id if actor else None,
        field=name,
        old_value=None if old is None else str(old),
        new_value=None if new is None else str(new),
    )
    session.add(event)
    dispatch(session, Change(ticket, actor, name, event.old_value, event.new_value, message))
    return event


def clean_title(title: str) -> str:
    """One line, trimmed to fit; an empty subject still gives a readable title."""
    collapsed = " ".join(title.split())
    return collapsed[:TITLE_MAX] if collapsed else "(no subject)"


def open_ticket(
    session: Session,
    *,
    requester: User,
    title: str,
    body: MessageBody,
    source: Source,
    message_kind: MessageKind,
    actor: User | None = None,
    catalog: CatalogEntry | None = None,
    priority: Priority = Priority.MEDIUM,
    watchers: Iterable[User] = (),
    message_id: str | None = None,
    inbound_id: int | None = None,
) -> Ticket:
    ticket = Ticket(
        title=clean_title(title),
        requester=requester,
        source=source,
        priority=priority,
        status=Status.NEW,
    )
    if catalog is not None:
        _apply_catalog(ticket, catalog)
    session.add(ticket)
    session.flush()
    record_event(session, ticket, actor or requester, "created", None, ticket.reference)
    _record_sla(session, ticket, actor or requester, sla.start(session, ticket))
    for watcher in watchers:
        add_watcher(session, ticket, watcher, actor=actor or requester)
    _new_message(session, ticket, requester if actor is None else actor, message_kind, body, message_id, inbound_id)
    return ticket


def _apply_catalog(ticket: Ticket, entry: CatalogEntry) -> None:
    ticket.group = entry.group
    ticket.category = entry.category
    ticket.subcategory = entry.subcategory


def _new_message(
    session: Session,
    ticket: Ticket,
    author: User | None,
    kind: MessageKind,
    body: MessageBody,
    message_id: str | None,
    inbound_id: int | None,
) -> Message:
    """Write the message row. Stamping the ticket's `updated_at` is the caller's: a new
    ticket's is the time of its INSERT, so its first message costs no UPDATE of the ticket."""
    message = Message(
        ticket=ticket,
        kind=kind,
        author=author,
        text=body.text,
        full_text=body.full_text or body.text,
        html=body.html,
        message_id=message_id,
        inbound_id=inbound_id,
        attachments=[
            Attachment(
                filename=item.filename,
                content_type=item.content_type,
                size=item.size,
                sha256=item.sha256,
                content_id=item.content_id,
                inline=item.inline,
            )
            for item in body.attachments
        ],
    )
    session.add(message)
    session.flush()
    return message


def add_message(
    session: Session,
    ticket: Ticket,
    *,
    author: User | None,
    kind: MessageKind,
    body: MessageBody,
    message_id: str | None = None,
    inbound_id: int | None = None,
    reopens: bool = True,
) -> Message:
    """Add a comment. A requester-side reply reopens a waiting or resolved ticket (an
    auto-reply passes reopens=False); a staff member's first public reply stamps first_response_at."""
    if ticket.status is Status.CLOSED and kind is not MessageKind.NOTE:
        raise InvalidInput(f"ticket {ticket.reference} is closed; open a follow-up instead")
    ticket.updated_at = utcnow()
    message = _new_message(session, ticket, author, kind, body, message_id, inbound_id)
    record_event(session, ticket, author, "message", None, kind.value, message=message)
    if author is not None and author.is_staff and kind.is_public and ticket.first_response_at is None:
        ticket.first_response_at = message.created_at
        sla.first_response(session, ticket)
    elif reopens and _is_customer_side(ticket, author) and ticket.status in REOPENED_BY_CUSTOMER_REPLY:
        reopen_to = Status.IN_PROGRESS if ticket.assignee_id is not None else Status.NEW
        change_status(session, ticket, reopen_to, actor=author)
    return message


def _is_customer_side(ticket: Ticket, author: User | None) -> bool:
    return author is not None and not author.is_staff and author.id in ticket.participants()


def change_status(session: Session, ticket: Ticket, target: Status, *, actor: User | None) -> None:
    """Move the ticket, if the status table allows it, and stamp resolved/closed times."""
    if target is ticket.status:
        return
    check_transition(ticket.status, target)
    old = ticket.status
    ticket.status = target
    now = utcnow()
    ticket.updated_at = now
    if target is Status.RESOLVED:
        ticket.resolved_at = now
    elif target is Status.CLOSED:
        ticket.closed_at = now
        ticket.resolved_at = ticket.resolved_at or now
    elif old is Status.RESOLVED:
        ticket.resolved_at = None
    record_event(session, ticket, actor, "status", old.value, target.value)
    _record_sla(session, ticket, actor, sla.follow_status(session, ticket))


def assign(session: Session, ticket: Ticket, assignee: User | None, *, actor: User | None) -> None:
    """Give the ticket to a staff member (or nobody); a new ticket becomes `assigned`."""
    if assignee is not None and not assignee.is_staff:
        raise InvalidInput(f"{assignee.email} is not staff and cannot be assigned tickets")
    if assignee is ticket.assignee:
        return
    old = ticket.assignee.email if ticket.assignee else None
    ticket.assignee = assignee
    ticket.updated_at = utcnow()
    record_event(session, ticket, actor, "assignee", old, assignee.email if assignee else None)
    if assignee is not None and ticket.status is Status.NEW:
        change_status(session, ticket, Status.ASSIGNED, actor=actor)
    elif assignee is None and ticket.status is Status.ASSIGNED:
        change_status(session, ticket, Status.NEW, actor=actor)


def set_priority(session: Session, ticket: Ticket, priority: Priority, *, actor: User | None) -> None:
    if priority is ticket.priority:
        return
    record_event(session, ticket, actor, "priority", ticket.priority.value, priority.value)
    ticket.priority = priority
    ticket.updated_at = utcnow()
    _record_sla(session, ticket, actor, sla.reselect(session, ticket))


def set_catalog(session: Session, ticket: Ticket, entry: CatalogEntry | None, *, actor: User | None) -> None:
    old = ticket.category_path
    if entry is None:
        ticket.group = ticket.category = ticket.subcategory = None
    else:
        _apply_catalog(ticket, entry)
    if old != ticket.category_path:
        record_event(session, ticket, actor, "category", old, ticket.category_path)
        ticket.updated_at = utcnow()
        _record_sla(session, ticket, actor, sla.reselect(session, ticket))


def set_service(session: Session, ticket: Ticket, service: Service | None, *, actor: User | None) -> None:
    """The affected software or service (core.models.sla.Service); it may change the SLA policy."""
    if service is ticket.service:
        return
    record_event(session, ticket, actor, "service", ticket.service.name if ticket.service else None, service.name if service else None)
    ticket.service = service
    ticket.updated_at = utcnow()
    _record_sla(session, ticket, actor, sla.reselect(session, ticket))


def _record_sla(session: Session, ticket: Ticket, actor: User | None, changes: list[sla.SlaChange]) -> None:
    """The SLA clocks' pauses, resumes and policy changes, as events in the ticket's history."""
    for name, old, new in changes:
        record_event(session, ticket, actor, name, old, new)


def add_watcher(session: Session, ticket: Ticket, user: User, *, actor: User | None) -> None:
    if user in ticket.watchers or user.id == ticket.requester_id:
        return
    ticket.watchers.append(user)
    record_event(session, ticket, actor, "watcher", None, user.email)


def remove_watcher(session: Session, ticket: Ticket, user: User, *, actor: User | None) -> None:
    if user not in ticket.watchers:
        return
    ticket.watchers.remove(user)
    record_event(session, ticket, actor, "watcher", user.email, None)


def link(session: Session, ticket: Ticket, other: Ticket, kind: LinkKind, *, actor: User | None) -> None:
    session.add(TicketLink(ticket_id=ticket.id, other_id=other.id, kind=kind))
    record_event(session, ticket, actor, "link", None, f"{kind.value} {other.reference}")


def list_tickets(session: Session, *, status: Status | None = None, limit: int = 100) -> list[Ticket]:
    query = select(Ticket).order_by(Ticket.id.desc()).limit(limit)
    if status is not None:
        query = query.where(Ticket.status == status)
    return list(session.scalars(query))
