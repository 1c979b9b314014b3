"""A new ticket from the portal's form, through the same services and rules as a mail.

The form becomes the `MailFacts` a mail would give (title as subject, description as body,
the support address as recipient, the files' names and types), the routing rules run over
them, and the ticket is opened, routed and acknowledged exactly as `mailgateway.stages.apply`
does for a mail. What the requester chose is treated like the mail path's recipient-address
route: the rules may refine it, because they are the admins' policy.

- Category: any active catalog entry (`active_entries`), or none (the rules or the staff decide);
  a requester whose organizations have contracts only the entries those cover
  (core.contracts.offered_entries). The ticket is then filed under the requester's
  organization and contract (core.placement), as a mail is.
- Priority: the requester may say low, medium or high, never urgent: urgency is the staff's
  (and the rules') call. The schema has no per-category switch for this; one rule for all.
- Watchers: colleagues by address, under the mail path's rule for Cc'd colleagues: the
  domains of POSTDESK_WATCHER_DOMAINS, else the requester's own domain; never our own
  support addresses.
- A rule deciding spam or ignore refuses the request with a message; nothing is written."""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from core.catalog import CatalogEntry, catalog_tree
from core.contracts import entry_problem
from core.errors import InvalidInput
from core.models import (
    MessageKind,
    Priority,
    Source,
    Ticket,
    User,
    utcnow,
)
from core.notify import acknowledge_new_ticket
from core.placement import place_ticket
from core.rules.apply import apply_routing, initial_placement
from core.rules.engine import Evaluation, evaluate
from core.rules.facts import MailFacts
from core.rules.store import load_rules
from core.tickets import TITLE_MAX, MessageBody, NewAttachment, open_ticket
from core.users import mail_user, normalise_email

log = logging.getLogger(__name__)

REQUESTER_PRIORITIES = (Priority.LOW, Priority.MEDIUM, Priority.HIGH)
DESCRIPTION_MAX = 100_000
WATCHERS_MAX = 20


class RequestInvalid(InvalidInput):
    """Form fields the service refuses; `errors` maps each field name to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = errors


class RequestRefused(InvalidInput):
    """A routing rule decided that this request is spam or to be ignored."""


@dataclass(frozen=True, slots=True)
class PortalRequest:
    title: str
    description: str
    catalog: CatalogEntry | None = None
    priority: Priority = Priority.MEDIUM
    attachments: tuple[NewAttachment, ...] = ()
    watchers: tuple[str, ...] = ()
    source: Source = Source.WEB
    """The portal's form, or the API (Source.API): the ticket remembers which."""


@dataclass(frozen=True, slots=True)
class WatcherPolicy:
    """Whom a requester may add as a watcher (the mail path's rule for Cc'd colleagues)."""

    domains: tuple[str, ...]
    support_addresses: Collection[str]

    def problem(self, requester: User, address: str) -> str | None:
        if address in self.support_addresses:
            return f"{address} is the helpdesk's own address."
        domains = self.domains or (requester.email.rpartition("@")[2],)
        if address.rpartition("@")[2] not in domains:
            return f"{address}: watchers must have an address at {' or '.join(domains)}."
        return None


def active_entries(session: Session) -> list[CatalogEntry]:
    """What a requester may choose: every active group, category and subcategory under active
    parents, in the admin's order (a group before its categories, a category before its subcategories)."""
    entries = []
    for group in catalog_tree(session, active_only=True):
        entries.append(CatalogEntry(group))
        for category in (item for item in group.categories if item.active):
            entries.append(CatalogEntry(group, category))
            entries += [CatalogEntry(group, category, sub) for sub in category.subcategories if sub.active]
    return entries


def parse_watchers(text: str) -> tuple[str, ...]:
    """The addresses in a comma-, semicolon- or line-separated list, as written (deduplicated)."""
    parts = (part.strip() for part in text.replace(";", ",").replace("\n", ",").split(","))
    return tuple(dict.fromkeys(part for part in parts if part))


def request_errors(requester: User, request: PortalRequest, policy: WatcherPolicy) -> dict[str, str]:
    """Every field the service would refuse, by field name; empty when the request is fine."""
    errors: dict[str, str] = {}
    if not request.title.strip():
        errors["title"] = "Give your request a short title."
    elif len(request.title) > TITLE_MAX:
        errors["title"] = f"At most {TITLE_MAX} characters."
    if not request.description.strip():
        errors["description"] = "Describe what you need."
    elif len(request.description) > DESCRIPTION_MAX:
        errors["description"] = f"At most {DESCRIPTION_MAX:,} characters."
    if request.priority not in REQUESTER_PRIORITIES:
        errors["priority"] = "Choose low, medium or high; the helpdesk sets urgent."
    watcher_problems = _watcher_problems(requester, request.watchers, policy)
    if watcher_problems:
        errors["watchers"] = " ".join(watcher_problems)
    return errors


def _watcher_problems(requester: User, addresses: Sequence[str], policy: WatcherPolicy) -> list[str]:
    if len(addresses) > WATCHERS_MAX:
        return [f"At most {WATCHERS_MAX} watchers."]
    problems = []
    for address in addresses:
        try:
            problem = policy.problem(requester, normalise_email(address))
        except InvalidInput:
            problem = f"{address} is not an email address."
        if problem is not None:
            problems.append(problem)
    return problems


def request_facts(requester: User, request: PortalRequest, recipients: tuple[str, ...]) -> MailFacts:
    """What the rules see of the form: what they would see of the same request by mail."""
    return MailFacts(
        sender=requester.email,
        subject=request.title,
        body=request.description,
        recipients=recipients,
        attachments=tuple((item.filename, item.content_type) for item in request.attachments),
        sender_department=requester.department,
        sender_known=True,
        received_at=utcnow(),
    )


def _refuse_dropped(requester: User, evaluation: Evaluation, support_address: str) -> None:
    decision = evaluation.decision
    if not decision.drops_the_mail:
        return
    log.info("portal request from %s refused by rule %r", requester.email, decision.spam_by or decision.ignored_by)
    verdict = "take this request for unwanted mail" if decision.spam_by else "set this kind of request aside"
    raise RequestRefused(
        f"The helpdesk's filter rules {verdict}, so no ticket was opened. "
        f"If that is a mistake, write to {support_address}."
    )


def open_from_portal(
    session: Session, requester: User, request: PortalRequest, policy: WatcherPolicy, *, support_address: str
) -> Ticket:
    """Open, route and acknowledge the ticket in the caller's transaction. RequestInvalid for
    bad fields, RequestRefused when a rule drops it; in both cases nothing is written."""
    errors = request_errors(requester, request, policy)
    uncovered = entry_problem(session, requester, request.catalog)
    if uncovered is not None:
        errors.setdefault("catalog", uncovered)
    if errors:
        raise RequestInvalid(errors)
    evaluation = evaluate(load_rules(session), request_facts(requester, request, (support_address,)))
    _refuse_dropped(requester, evaluation, support_address)
    catalog, _ = initial_placement(session, evaluation, request.catalog)
    ticket = open_ticket(
        session,
        requester=requester,
        title=request.title,
        body=MessageBody(text=request.description.strip(), attachments=request.attachments),
        source=request.source,
        message_kind=MessageKind.WEB,
        catalog=catalog,
        priority=evaluation.decision.priority or request.priority,
        watchers=[mail_user(session, address) for address in request.watchers],
    )
    apply_routing(session, ticket, evaluation, may_auto_reply=True)
    place_ticket(session, ticket)
    acknowledge_new_ticket(session, ticket, None)
    return ticket
