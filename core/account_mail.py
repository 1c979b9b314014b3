"""Mail about a person's account rather than a ticket (today: the password-reset link).

Such a mail goes through the outbox like every notification (the worker delivers it, retries
it, and a failure stays visible), but it has no ticket: no `[#N]`, no thread, `ticket_id` None.
It is automatic (`Auto-Submitted: auto-generated`) and counts towards the per-address hourly
limit of automatic mail, so a form that asks for reset links cannot flood anyone's mailbox."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from core.mailtemplates import render
from core.models import OutboxMessage, User
from core.notify.enqueue import may_mail, template_overrides
from core.notify.identity import identity_of


def enqueue_account_mail(session: Session, recipient: User, template: str, **context: Any) -> OutboxMessage | None:
    """Write the outbox row, or None when the address may not be mailed now (suppressed after
    a hard bounce, inactive, over the hourly limit) or the session carries no mail identity."""
    identity = identity_of(session)
    if identity is None or not may_mail(session, identity, recipient, automatic=True):
        return None
    rendered = render(
        template,
        template_overrides(session, template),
        recipient=recipient,
        recipient_name=recipient.name or recipient.email,
        support_name=identity.support_name,
        support_address=identity.support_address,
        **context,
    )
    row = OutboxMessage(
        ticket_id=None,
        template=template,
        recipients=recipient.email,
        from_name=identity.support_name,
        subject=rendered.subject,
        body_text=rendered.text,
        body_html=rendered.html,
        message_id=identity.new_message_id(None),
        references="",
        automatic=True,
    )
    session.add(row)
    session.flush()
    return row
