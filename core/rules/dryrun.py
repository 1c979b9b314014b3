"""The editor's second dry run: would a rule have matched the last M tickets? Read-only.

A past ticket's facts come from its first message, its requester and the envelope of the
mail that opened it (headers and attachments as far as they are stored)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from core.models import InboundMessage, Message, Ticket
from core.rules.engine import evaluate
from core.rules.facts import MailFacts
from core.rules.spec import RuleSpec

SAMPLE = 10


@dataclass(frozen=True)
class Backtest:
    matched: int
    total: int
    sample: tuple[int, ...]
    """Numbers of some matching tickets, newest first."""


def ticket_facts(session: Session, ticket: Ticket) -> MailFacts:
    first: Message | None = ticket.messages[0] if ticket.messages else None
    inbound = session.get(InboundMessage, first.inbound_id) if first and first.inbound_id else None
    return MailFacts(
        sender=ticket.requester.email,
        subject=ticket.title,
        body=first.full_text if first else "",
        recipients=tuple(a for a in (inbound.envelope_to.split(",") if inbound else []) if a),
        attachments=tuple((a.filename, a.content_type) for a in (first.attachments if first else [])),
        sender_department=ticket.requester.department,
        sender_known=True,
        received_at=ticket.created_at,
    )


def would_have_matched(session: Session, rule: RuleSpec, last: int = 500) -> Backtest:
    enabled = RuleSpec(rule.name, rule.conditions, rule.actions, rule.match, True, rule.stop)
    tickets = session.scalars(
        select(Ticket).order_by(Ticket.id.desc()).limit(last)
        .options(selectinload(Ticket.messages).selectinload(Message.attachments), selectinload(Ticket.requester))
    ).all()
    matching = [t.id for t in tickets if evaluate([enabled], ticket_facts(session, t)).hits]
    return Backtest(matched=len(matching), total=len(tickets), sample=tuple(matching[:SAMPLE]))
