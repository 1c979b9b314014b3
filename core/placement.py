"""Filing a new ticket under its requester's organization and contract: `placement` decides,
`place_ticket` acts (and so sets the ticket's SLA policy, the contract's winning).

The candidates are the contracts the requester may open tickets under
(core.contracts.reachable_contracts) that cover the ticket's catalog entry. The nearest
organization wins (the requester's own before its parent's); at the same distance the most
specific coverage (a named category, then a named group, then "everything"); then the oldest
contract. The ticket's organization is the requester's organization that led to the
contract, else the first of theirs by name.

Both the mail intake (mailgateway.stages.apply) and the portal/API intake
(core.portal_intake) call `place_ticket` once the routing rules have filed the ticket. The
ticket keeps what it was filed under: a later change of category moves neither (the
contract is what the customer asked under; core.contracts)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from core.catalog import CatalogEntry
from core.contracts import coverage, reachable_contracts, ticket_entry
from core.models import Contract, Organization, Ticket, User
from core.organizations import user_organizations
from core.sla import tracking as sla
from core.tickets import record_event

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a new ticket belongs, and why."""

    organization: Organization | None
    contract: Contract | None
    reason: str


def placement(session: Session, requester: User, entry: CatalogEntry | None, *, on: date | None = None) -> Placement:
    affiliation = user_organizations(session, requester)
    if not affiliation.organizations:
        return Placement(None, None, "the requester belongs to no organization")
    candidates = [
        (item.distance, -level, item.contract.id, item)
        for item in reachable_contracts(session, requester, on=on)
        if (level := coverage(item.contract, entry)) is not None
    ]
    if not candidates:
        first = affiliation.organizations[0]
        return Placement(first, None, f"{first.name} by {affiliation.via}; no contract in force covers the request")
    best = min(candidates, key=lambda row: row[:3])[3]
    inherited = f", under {best.contract.organization.name}" if best.distance else ""
    return Placement(best.through, best.contract, f"{best.through.name} by {affiliation.via}{inherited}")


def place_ticket(session: Session, ticket: Ticket) -> Placement:
    """Set the new ticket's organization and contract, each an event in its history (the
    system's doing), and choose its SLA policy again now that the contract is known."""
    decided = placement(session, ticket.requester, ticket_entry(ticket))
    log.info("%s: %s", ticket.reference, decided.reason)
    if decided.organization is not None:
        ticket.organization_id = decided.organization.id
        record_event(session, ticket, None, "organization", None, decided.organization.name)
    if decided.contract is not None:
        ticket.contract_id = decided.contract.id
        record_event(session, ticket, None, "contract", None, decided.contract.name)
        for name, old, new in sla.reselect(session, ticket):
            record_event(session, ticket, None, name, old, new)
    session.flush()
    return decided
