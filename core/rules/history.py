"""When each rule last fired, for the editor's list: read from the records the intake keeps.

A rule that routed a ticket left a `rule` event in the ticket's history; a rule that dropped
a mail (spam, ignore) left its hit in the rejected message's inbound log row, which is only
searched for the rules that can drop mail. Only the most recent RECENT rows of each are read,
so the list stays fast on a large installation; a rule that last fired before that shows as
not known."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from core.models import InboundMessage, Outcome, TicketEvent
from core.rules.spec import RuleSpec

RECENT = 100_000
DROPPING = frozenset({"spam", "ignore"})


def _on_tickets(session: Session, names: Collection[str]) -> dict[str, datetime]:
    newest = session.scalar(select(func.max(TicketEvent.id))) or 0
    query = (
        select(TicketEvent.new_value, func.max(TicketEvent.created_at))
        .where(TicketEvent.id > newest - RECENT, TicketEvent.field == "rule", TicketEvent.new_value.in_(names))
        .group_by(TicketEvent.new_value)
    )
    return {str(name): moment for name, moment in session.execute(query)}


def _on_rejected_mail(session: Session, names: Collection[str]) -> dict[str, datetime]:
    if not names:
        return {}
    newest = session.scalar(select(func.max(InboundMessage.id))) or 0
    found: dict[str, datetime] = {}
    for name in names:
        moment = session.scalar(
            select(func.max(InboundMessage.received_at)).where(
                InboundMessage.id > newest - RECENT,
                InboundMessage.outcome == Outcome.REJECTED,
                # The line that core.rules.engine.Evaluation.log_lines writes for a hit.
                or_(
                    InboundMessage.rule_hits.startswith(f"rule {name}: ", autoescape=True),
                    InboundMessage.rule_hits.contains(f"\nrule {name}: ", autoescape=True),
                ),
            )
        )
        if moment is not None:
            found[name] = moment
    return found


def last_fired(session: Session, rules: Sequence[RuleSpec]) -> dict[str, datetime]:
    """Rule name -> when it last fired, for the rules that fired recently."""
    if not rules:
        return {}
    found = _on_tickets(session, [rule.name for rule in rules])
    dropping = [rule.name for rule in rules if any(action.kind in DROPPING for action in rule.actions)]
    for name, moment in _on_rejected_mail(session, dropping).items():
        found[name] = max(moment, found.get(name, moment))
    return found
