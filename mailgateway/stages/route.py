"""Where a new ticket goes: the recipient address mapping first, then the routing rules.

Rules see the mail's facts; spam and ignore end the intake as `rejected` with the rule's
name; every other decision is carried out when the ticket is opened (stages/apply.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from core.catalog import CatalogEntry
from core.models import Outcome, RecipientRoute, User
from core.rules.engine import evaluate
from core.rules.facts import MailFacts
from core.rules.store import load_rules
from mailgateway.context import Finish
from mailgateway.parse import ParsedMail
from mailgateway.pipeline import Intake


def recipients_of(parsed: ParsedMail, envelope_to: tuple[str, ...]) -> list[str]:
    return list(dict.fromkeys(a.lower() for a in (*envelope_to, *parsed.to, *parsed.cc)))


def _recipient_route(intake: Intake, recipients: list[str]) -> None:
    if not recipients:
        return
    routes = {
        route.address: route
        for route in intake.session.scalars(select(RecipientRoute).where(RecipientRoute.address.in_(recipients)))
    }
    for address in recipients:
        route = routes.get(address)
        if route is not None:
            intake.catalog = CatalogEntry(route.group, route.category)
            intake.row.rule_hits += f"recipient_route: {address} -> {intake.catalog.path}\n"
            return


def _headers(parsed: ParsedMail) -> dict[str, tuple[str, ...]]:
    """Raw header values (never re-parsed: a malformed header must not break routing)."""
    found: dict[str, list[str]] = {}
    for name, value in parsed.message.raw_items():
        found.setdefault(name.lower(), []).append(str(value))
    return {name: tuple(values) for name, values in found.items()}


def mail_facts(
    parsed: ParsedMail, recipients: list[str], sender: User | None, *, sender_known: bool, received_at: datetime
) -> MailFacts:
    """What the rules see of a parsed mail (also used by the editor's dry run)."""
    return MailFacts(
        sender=sender.email if sender else (parsed.from_address or ""),
        subject=parsed.subject,
        body=parsed.text,
        recipients=tuple(recipients),
        headers=_headers(parsed),
        attachments=tuple((a.filename, a.content_type) for a in parsed.attachments),
        sender_department=sender.department if sender else "",
        sender_known=sender_known,
        received_at=received_at,
    )


def route_new_ticket(intake: Intake) -> None:
    if intake.ticket is not None:
        return
    recipients = recipients_of(intake.parsed, intake.mail.envelope_to)
    _recipient_route(intake, recipients)
    facts = mail_facts(
        intake.parsed, recipients, intake.sender, sender_known=intake.sender_was_known, received_at=intake.mail.received_at
    )
    evaluation = evaluate(load_rules(intake.session), facts)
    intake.row.rule_hits += evaluation.log_lines()
    decision = evaluation.decision
    if decision.spam_by:
        raise Finish(Outcome.REJECTED, f"spam, by rule {decision.spam_by!r}")
    if decision.ignored_by:
        raise Finish(Outcome.REJECTED, f"ignored, by rule {decision.ignored_by!r}")
    intake.routing = evaluation
