"""Who hears of which change: one table from the changed field to a small handler.

`dispatch` runs for every recorded ticket event, in the transaction of the change. Nobody
is told of their own action; opt-outs apply to assignment and status mails, never to a
staff member's reply."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from core.merge_links import merged_into
from core.models import Message, Status, Ticket, User
from core.notify.enqueue import enqueue
from core.notify.identity import MailIdentity, identity_of

NOTIFYING_STATUSES = frozenset({Status.WAITING_ON_CUSTOMER, Status.RESOLVED, Status.CLOSED})


@dataclass(frozen=True, slots=True)
class Change:
    ticket: Ticket
    actor: User | None
    field: str
    old: str | None
    new: str | None
    message: Message | None = None


Handler = Callable[[Session, MailIdentity, Change], None]


def _is_actor(user: User, change: Change) -> bool:
    return change.actor is not None and change.actor.id == user.id


def status_changed(session: Session, identity: MailIdentity, change: Change) -> None:
    """A ticket closed by a merge (core.merge links it first) says where it went instead."""
    requester = change.ticket.requester
    if change.new is None or Status(change.new) not in NOTIFYING_STATUSES:
        return
    if _is_actor(requester, change) or not requester.notify_status_changes:
        return
    template, context = f"status_{change.new}", {}
    target = merged_into(session, change.ticket) if change.new == Status.CLOSED else None
    if target is not None:
        template, context = "ticket_merged", {"merged_into": target}
    enqueue(session, identity, ticket=change.ticket, template=template, recipient=requester, automatic=True,
            context=context)  # fmt: skip


def assigned(session: Session, identity: MailIdentity, change: Change) -> None:
    assignee = change.ticket.assignee
    if assignee is None or _is_actor(assignee, change) or not assignee.notify_assignments:
        return
    enqueue(session, identity, ticket=change.ticket, template="ticket_assigned", recipient=assignee, automatic=True)


def created(session: Session, identity: MailIdentity, change: Change) -> None:
    group = change.ticket.group
    if group is None or not group.notify_new_tickets:
        return
    for member in group.members:
        if member.is_staff and not _is_actor(member, change):
            enqueue(session, identity, ticket=change.ticket, template="new_ticket_in_group", recipient=member, automatic=True)


def message_added(session: Session, identity: MailIdentity, change: Change) -> None:
    """A staff member's public reply goes to the requester and the watchers, attachments included."""
    message = change.message
    if message is None or message.author is None or not message.author.is_staff or not message.kind.is_public:
        return
    ticket = change.ticket
    for recipient in [ticket.requester, *ticket.watchers]:
        if not _is_actor(recipient, change):
            enqueue(
                session, identity, ticket=ticket, template="staff_reply", recipient=recipient,
                automatic=False, context={"message": message}, source_message=message,
            )


POLICY: dict[str, Handler] = {
    "status": status_changed,
    "assignee": assigned,
    "created": created,
    "message": message_added,
}


def dispatch(session: Session, change: Change) -> None:
    identity = identity_of(session)
    handler = POLICY.get(change.field)
    if identity is not None and handler is not None:
        handler(session, identity, change)
