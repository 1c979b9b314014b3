"""Render a notification template the way the outbox would, for an admin's preview and checks.

Every variable any template is given (see core.notify.enqueue and core.account_mail) is in the
preview context, so one context serves every template. A real ticket gives the preview real
data; before an edit is saved it is rendered against a complete sample ticket built in memory
(never added to a session), so a typo or an unknown variable is refused at the form instead of
failing later, when a ticket change tries to write its notification."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinja2 import TemplateError

from core.errors import InvalidInput
from core.mailtemplates import RenderedMail, render
from core.models import (
    Category, Group, Message, MessageKind, Priority, Role, Source, Status, TemplatePart, Ticket, User, utcnow,
)
from core.notify.identity import MailIdentity
from core.password_reset import VALID_FOR


def _staff_reply(ticket: Ticket) -> Message | None:
    """The message a `staff_reply` preview shows: the ticket's latest public staff message."""
    public = [m for m in ticket.messages if m.kind.is_public and m.author is not None and m.author.is_staff]
    return public[-1] if public else None


def sample_ticket() -> Ticket:
    """A ticket with every field set, in memory only."""
    now = utcnow()
    group = Group(name="Hardware", display_name="Hardware Service")
    agent = User(email="ann.agent@example.com", name="Ann Agent", role=Role.AGENT)
    ticket = Ticket(
        id=1234, title="Printer on the 3rd floor is jammed", status=Status.ASSIGNED, priority=Priority.HIGH,
        source=Source.EMAIL, created_at=now, updated_at=now,
        requester=User(email="alice@example.com", name="Alice Example", role=Role.CLIENT), assignee=agent,
        group=group, category=Category(name="Printers", group=group),
    )
    Message(ticket=ticket, kind=MessageKind.WEB, author=agent, text="We have ordered a new fuser unit.", created_at=now)
    return ticket


def context(identity: MailIdentity, ticket: Ticket) -> dict[str, Any]:
    recipient = ticket.requester
    author = ticket.assignee or recipient
    message = _staff_reply(ticket) or Message(kind=MessageKind.WEB, author=author, text="(a reply)")
    base = identity.base_url
    return {
        "ticket": ticket,
        "message": message,
        "recipient": recipient,
        "recipient_name": recipient.name or recipient.email,
        "support_name": identity.support_name,
        "support_address": identity.support_address,
        "unsubscribe_url": f"{base}/unsubscribe/PREVIEW",
        "reset_url": f"{base}/reset-password/PREVIEW",
        "valid_minutes": int(VALID_FOR.total_seconds() // 60),
        "merged_into": ticket,  # the ticket itself stands in for the one it was merged into
    }


def preview(identity: MailIdentity, name: str, parts: Mapping[TemplatePart, str], ticket: Ticket) -> RenderedMail:
    """`parts` rendered for `ticket`; InvalidInput with Jinja's words if a part does not render."""
    try:
        return render(name, {part.value: body for part, body in parts.items()}, fallback=False, **context(identity, ticket))
    except TemplateError as error:
        lineno = getattr(error, "lineno", None)
        line = f" (line {lineno})" if lineno else ""
        raise InvalidInput(f"the template does not render: {error.message}{line}") from None


def check(identity: MailIdentity, name: str, parts: Mapping[TemplatePart, str]) -> None:
    """Refuse an edit that would not render for a complete ticket."""
    preview(identity, name, parts, sample_ticket())
