"""Write one notification row: rendered, threaded, and guarded against loops and floods."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, literal, select, union_all
from sqlalchemy.orm import Session

from core.mailtemplates import render
from core.models import MailTemplate, Message, OutboxMessage, Ticket, User, utcnow
from core.notify.identity import MailIdentity
from core.unsubscribe import TEMPLATE_OPT_OUTS, make_token


def thread_references(session: Session, ticket: Ticket) -> list[str]:
    """Every Message-ID of the conversation so far, oldest first, theirs and ours.

    One query over both tables (a round trip less per notification); at equal times
    theirs come first."""
    theirs = select(Message.created_at, Message.message_id, literal(0)).where(
        Message.ticket_id == ticket.id, Message.message_id.is_not(None)
    )
    ours = select(OutboxMessage.created_at, OutboxMessage.message_id, literal(1)).where(
        OutboxMessage.ticket_id == ticket.id
    )
    ordered = sorted(session.execute(union_all(theirs, ours)).all(), key=lambda row: (row[0], row[2]))
    return list(dict.fromkeys(message_id for _, message_id, _ in ordered))


def automatic_mails_last_hour(session: Session, address: str) -> int:
    since = utcnow() - timedelta(hours=1)
    query = select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.automatic.is_(True), OutboxMessage.recipients == address, OutboxMessage.created_at >= since
    )
    return session.scalar(query) or 0


def may_mail(session: Session, identity: MailIdentity, user: User, *, automatic: bool, throttled: bool = True) -> bool:
    """Never a suppressed (hard-bounced) or inactive address; automatic mail at most
    `autoreply_limit` an hour per address, counted in the database so it holds across processes.

    The limit bounds loops with auto-responders, so `throttled=False` is only for automatic mail
    that no inbound mail can cause (the SLA check's notices to staff): a busy agent must not
    miss a breach because the hour's quota went on earlier warnings."""
    if user.undeliverable or not user.active:
        return False
    if not automatic or not throttled:
        return True
    return automatic_mails_last_hour(session, user.email) < identity.autoreply_limit


def template_overrides(session: Session, name: str) -> dict[str, str]:
    rows = session.scalars(select(MailTemplate).where(MailTemplate.name == name))
    return {row.part.value: row.body for row in rows}


def _unsubscribe_url(identity: MailIdentity, recipient: User, template: str) -> str | None:
    kind = TEMPLATE_OPT_OUTS.get(template)
    if kind is None or not identity.link_secret:
        return None
    return f"{identity.base_url}/unsubscribe/{make_token(identity.link_secret, recipient.id, kind)}"


def enqueue(
    session: Session,
    identity: MailIdentity,
    *,
    ticket: Ticket,
    template: str,
    recipient: User,
    automatic: bool,
    context: dict[str, Any] | None = None,
    in_reply_to: str | None = None,
    source_message: Message | None = None,
    throttled: bool = True,
) -> OutboxMessage | None:
    if not may_mail(session, identity, recipient, automatic=automatic, throttled=throttled):
        return None
    unsubscribe_url = _unsubscribe_url(identity, recipient, template)
    rendered = render(
        template,
        template_overrides(session, template),
        ticket=ticket,
        recipient=recipient,
        recipient_name=recipient.name or recipient.email,
        support_name=identity.support_name,
        support_address=identity.support_address,
        unsubscribe_url=unsubscribe_url,
        **(context or {}),
    )
    references = thread_references(session, ticket)
    row = OutboxMessage(
        ticket_id=ticket.id,
        source_message_id=source_message.id if source_message else None,
        template=template,
        recipients=recipient.email,
        from_name=(ticket.group.display_name or ticket.group.name) if ticket.group else identity.support_name,
        subject=rendered.subject,
        body_text=rendered.text,
        body_html=rendered.html,
        message_id=identity.new_message_id(ticket.id),
        in_reply_to=in_reply_to or (references[-1] if references else None),
        references=" ".join(f"<{ref}>" for ref in references),
        automatic=automatic,
        unsubscribe_url=unsubscribe_url,
    )
    session.add(row)
    session.flush()
    return row
