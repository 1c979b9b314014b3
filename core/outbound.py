"""Turn an outbox row into the RFC 5322 message we send: threaded, marked as ours.

Headers: From/Reply-To the support address, `Subject: [#N] title`, our Message-ID,
In-Reply-To/References so the requester's client shows one conversation,
`Auto-Submitted: auto-generated` on automatic mails (RFC 3834), and our own
`X-Postdesk-Loop` / `X-Postdesk-Ticket` headers that the intake recognises as ours."""

from __future__ import annotations

from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from core.models import OutboxMessage
from core.notify import LOOP_HEADER, TICKET_HEADER, MailIdentity


def _bracket(message_id: str) -> str:
    return f"<{message_id.strip('<>')}>"


def compose(row: OutboxMessage, identity: MailIdentity) -> EmailMessage:
    message = EmailMessage()
    local, _, domain = identity.support_address.partition("@")
    sender = Address(display_name=row.from_name or identity.support_name, username=local, domain=domain)
    message["From"] = sender
    message["Reply-To"] = identity.support_address
    message["To"] = ", ".join(row.recipient_list)
    message["Subject"] = row.subject
    message["Date"] = format_datetime(row.created_at)
    message["Message-ID"] = _bracket(row.message_id)
    if row.in_reply_to:
        message["In-Reply-To"] = _bracket(row.in_reply_to)
    if row.references:
        message["References"] = row.references
    message["Auto-Submitted"] = "auto-generated" if row.automatic else "no"
    if row.automatic:
        message["X-Auto-Response-Suppress"] = "All"
    if row.unsubscribe_url:
        message["List-Unsubscribe"] = f"<{row.unsubscribe_url}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message[LOOP_HEADER] = identity.instance_id
    if row.ticket_id is not None:
        message[TICKET_HEADER] = f"{identity.instance_id} #{row.ticket_id}"
    message.set_content(row.body_text)
    if row.body_html:
        message.add_alternative(row.body_html, subtype="html")
    return message
