"""The JSON shapes of tickets and inbound log rows: a public interface (see the README)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from core.models import InboundMessage, Message, Ticket


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def ticket_summary(ticket: Ticket) -> dict[str, Any]:
    return {
        "number": ticket.id,
        "title": ticket.title,
        "status": ticket.status.value,
        "priority": ticket.priority.value,
        "source": ticket.source.value,
        "requester": ticket.requester.email,
        "assignee": ticket.assignee.email if ticket.assignee else None,
        "category": ticket.category_path,
        "created_at": iso(ticket.created_at),
        "updated_at": iso(ticket.updated_at),
        "first_response_at": iso(ticket.first_response_at),
        "resolved_at": iso(ticket.resolved_at),
        "closed_at": iso(ticket.closed_at),
    }


def message_detail(message: Message) -> dict[str, Any]:
    return {
        "kind": message.kind.value,
        "author": message.author.email if message.author else None,
        "text": message.text,
        "message_id": message.message_id,
        "created_at": iso(message.created_at),
        "attachments": [
            {
                "filename": item.filename,
                "content_type": item.content_type,
                "size": item.size,
                "sha256": item.sha256,
            }
            for item in message.attachments
        ],
    }


def ticket_detail(ticket: Ticket) -> dict[str, Any]:
    return {
        **ticket_summary(ticket),
        "watchers": [watcher.email for watcher in ticket.watchers],
        "messages": [message_detail(message) for message in ticket.messages],
    }


def inbound_row(row: InboundMessage) -> dict[str, Any]:
    return {
        "id": row.id,
        "source": row.source.value,
        "message_id": row.message_id,
        "outcome": row.outcome.value,
        "reason": row.reason,
        "ticket": row.ticket_id,
        "received_at": iso(row.received_at),
        "raw_sha256": row.raw_sha256,
        "size": row.raw_size,
    }
