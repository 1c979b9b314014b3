"""Act on the decisions: a comment on the found ticket, or a new ticket with its acknowledgement."""

from __future__ import annotations

from core.errors import InvalidInput
from core.models import LinkKind, MessageKind, Outcome, Source, Ticket, User
from core.notify import acknowledge_new_ticket
from core.placement import place_ticket
from core.rules.apply import apply_routing, initial_placement
from core.tickets import MessageBody, add_message, link, open_ticket
from core.users import mail_user
from mailgateway.classify import MailKind
from mailgateway.context import Finish
from mailgateway.pipeline import Intake


def _body(intake: Intake, *, reply: bool) -> MessageBody:
    parsed = intake.parsed
    return MessageBody(
        text=parsed.reply_text if reply else parsed.text,
        full_text=parsed.text,
        html=parsed.html,
        attachments=intake.attachments,
    )


def _watchers(intake: Intake) -> list[User]:
    """Cc'd colleagues become watchers: addresses on the allow-list of domains (default: the
    requester's own domain), never our own support addresses."""
    assert intake.sender is not None
    domains = intake.identity.watcher_domains or (intake.sender.email.rsplit("@", 1)[-1],)
    watchers = []
    for address in intake.parsed.cc:
        if address in intake.identity.support_addresses or address == intake.sender.email:
            continue
        if address.rsplit("@", 1)[-1] in domains:
            try:
                watchers.append(mail_user(intake.session, address))
            except InvalidInput:
                continue
    return watchers


def _comment(intake: Intake, ticket: Ticket) -> None:
    add_message(
        intake.session,
        ticket,
        author=intake.sender,
        kind=MessageKind.EMAIL_IN,
        body=_body(intake, reply=True),
        message_id=intake.parsed.message_id,
        inbound_id=intake.row.id,
        reopens=intake.verdict.kind is MailKind.NORMAL,
    )
    kind = "auto-reply" if intake.verdict.kind is MailKind.AUTO_REPLY else "reply"
    raise Finish(Outcome.COMMENT_ADDED, f"{kind} from {intake.sender.email if intake.sender else '?'}", ticket.id)


def _new_ticket(intake: Intake) -> None:
    assert intake.sender is not None
    session = intake.session
    catalog, priority = initial_placement(session, intake.routing, intake.catalog)
    ticket = open_ticket(
        session,
        requester=intake.sender,
        title=intake.parsed.subject,
        body=_body(intake, reply=False),
        source=Source.EMAIL,
        message_kind=MessageKind.EMAIL_IN,
        catalog=catalog,
        priority=priority,
        watchers=_watchers(intake),
        message_id=intake.parsed.message_id,
        inbound_id=intake.row.id,
    )
    for note in intake.staff_notes:
        add_message(session, ticket, author=None, kind=MessageKind.SYSTEM, body=MessageBody(text=note))
    if intake.follow_up_of is not None:
        link(session, ticket, intake.follow_up_of, LinkKind.FOLLOW_UP, actor=intake.sender)
    if intake.routing is not None:
        apply_routing(session, ticket, intake.routing, may_auto_reply=not intake.verdict.suppress_auto_answer)
    place_ticket(session, ticket)
    if not intake.verdict.suppress_auto_answer:
        acknowledge_new_ticket(session, ticket, intake.parsed.message_id)
    raise Finish(Outcome.TICKET_CREATED, f"new ticket from {intake.sender.email}", ticket.id)


def apply_to_ticket(intake: Intake) -> None:
    if intake.ticket is not None:
        _comment(intake, intake.ticket)
    _new_ticket(intake)
