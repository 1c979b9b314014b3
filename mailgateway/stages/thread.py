"""Which ticket a mail belongs to: the `[#N]` subject token, else our Message-IDs in its headers.
A ticket that was merged hands the mail on to the one it was merged into (core.merge_links).

The sender must be a participant of that ticket (requester, watcher, assignee) or staff:
nobody can write into another person's ticket by guessing a number. A stranger's mail, and
a reply to a closed ticket, open a new ticket instead (linked, with a note for staff)."""

from __future__ import annotations

import re

from sqlalchemy import select

from core.merge_links import surviving_ticket
from core.models import Message, OutboxMessage, Status, Ticket
from mailgateway.pipeline import Intake

TOKEN = re.compile(r"\[#(\d{1,12})\]")


def subject_token(subject: str) -> int | None:
    match = TOKEN.search(subject)
    return int(match.group(1)) if match else None


def ticket_from_headers(intake: Intake) -> Ticket | None:
    """The ticket of the newest referenced Message-ID that we know (In-Reply-To first)."""
    parsed = intake.parsed
    referenced = list(dict.fromkeys([*parsed.in_reply_to, *reversed(parsed.references)]))
    if not referenced:
        return None
    session = intake.session
    known: dict[str, int | None] = {}
    for model in (Message, OutboxMessage):
        query = select(model.message_id, model.ticket_id).where(model.message_id.in_(referenced))
        known.update((message_id, number) for message_id, number in session.execute(query))
    for message_id in referenced:
        number = known.get(message_id)
        if number is not None:
            return session.get(Ticket, number)
    return None


def _may_write(intake: Intake, ticket: Ticket) -> bool:
    sender = intake.sender
    return sender is not None and (sender.is_staff or sender.id in ticket.participants())


def _follow_merge(intake: Intake, ticket: Ticket) -> Ticket:
    surviving = surviving_ticket(intake.session, ticket)
    if surviving is not ticket:
        intake.staff_notes.append(f"A reply to {ticket.reference}, which was merged into {surviving.reference}.")
    return surviving


def find_ticket(intake: Intake) -> None:
    token = subject_token(intake.parsed.subject)
    ticket = intake.session.get(Ticket, token) if token is not None else None
    if ticket is None:
        ticket = ticket_from_headers(intake)
    if ticket is None:
        if token is not None:
            intake.staff_notes.append(f"The subject names #{token}, which does not exist.")
        return
    ticket = _follow_merge(intake, ticket)
    if not _may_write(intake, ticket):
        sender = intake.sender.email if intake.sender else "the sender"
        intake.staff_notes.append(
            f"This mail refers to {ticket.reference}, but {sender} is not a participant of it, "
            "so it was opened as a new ticket."
        )
        return
    if ticket.status is Status.CLOSED:
        intake.follow_up_of = ticket
        intake.staff_notes.append(f"A reply to closed ticket {ticket.reference}: opened as its follow-up.")
        return
    intake.ticket = ticket
