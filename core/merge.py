"""Merging two tickets about the same problem: one conversation goes on, the other is closed.

The messages of the merged ticket move into the target (with their attachments and
Message-IDs, so mail replies to them thread into the target); its requester and watchers
become watchers of the target, so they hear the answer. The merged ticket keeps its own
history, gets a `merged_into` link and is closed. Both tickets get a system note that says
what happened, and both get an event: the audit log of each tells the story on its own.

The link is written before the ticket is closed: the notification policy finds it and mails
the requester "merged into #N" (template `ticket_merged`) instead of the plain "closed". The
intake follows the link too (core.merge_links), so a reply to the merged ticket's mails, its
`[#N]` or our Message-IDs, lands on the surviving ticket."""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.errors import InvalidInput
from core.models import LinkKind, MessageKind, Status, Ticket, User
from core.tickets import (
    MessageBody,
    add_message,
    add_watcher,
    change_status,
    link,
    record_event,
)


def _check(source: Ticket, target: Ticket) -> None:
    if source.id == target.id:
        raise InvalidInput("a ticket cannot be merged into itself")
    if target.status is Status.CLOSED:
        raise InvalidInput(f"{target.reference} is closed; merge into an open ticket")
    if source.status is Status.CLOSED:
        raise InvalidInput(f"{source.reference} is closed already")


def _move_messages(source: Ticket, target: Ticket) -> int:
    moved = list(source.messages)
    for message in moved:
        message.ticket = target
    return len(moved)


def merge_tickets(session: Session, source: Ticket, target: Ticket, *, actor: User | None) -> None:
    """Move `source`'s conversation into `target` and close `source`, in the caller's transaction."""
    _check(source, target)
    count = _move_messages(source, target)
    session.flush()
    for person in [source.requester, *source.watchers]:
        add_watcher(session, target, person, actor=actor)
    link(session, source, target, LinkKind.MERGED_INTO, actor=actor)
    record_event(session, target, actor, "merged", None, source.reference)
    by = f" by {actor.display}" if actor else ""
    add_message(
        session, target, author=actor, kind=MessageKind.SYSTEM, reopens=False,
        body=MessageBody(text=f"{source.reference} “{source.title}” was merged into this ticket{by}; {count} message(s) moved here."),
    )  # fmt: skip
    add_message(
        session, source, author=actor, kind=MessageKind.SYSTEM, reopens=False,
        body=MessageBody(text=f"Merged into {target.reference} “{target.title}”{by}; the conversation continues there."),
    )  # fmt: skip
    change_status(session, source, Status.CLOSED, actor=actor)
