"""The editor's first dry run: which rules would match this raw mail, and what the ticket
would become. Read-only: it parses and evaluates, and writes nothing."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from core.models import utcnow
from core.rules.engine import Evaluation, evaluate
from core.rules.spec import RuleSpec
from core.users import find_user
from mailgateway.parse import parse_message
from mailgateway.stages.route import mail_facts, recipients_of


def dry_run_mail(session: Session, raw: bytes, rules: Sequence[RuleSpec]) -> Evaluation:
    parsed = parse_message(raw)
    sender = find_user(session, parsed.from_address) if parsed.from_address else None
    facts = mail_facts(parsed, recipients_of(parsed, ()), sender, sender_known=sender is not None, received_at=utcnow())
    return evaluate(rules, facts)
