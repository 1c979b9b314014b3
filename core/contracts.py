"""Contract services: what a contract covers, which contracts a person may open tickets under,
what the portal offers them, the SLA policy a contract gives its tickets, and the admins' edits.

A contract covers the entries of the groups it names (with their categories and
subcategories) and the categories it names (with their subcategories); a contract that names
none covers the whole catalog and uncategorised tickets too. It is in force while active and
today (a UTC day) is within its dates. A person may open tickets under the contracts in force
of their organizations (core.organizations.user_organizations: memberships, else the mail
domain) and, since rights inherit from a parent to its children, of each one's parents.
Which of them a new ticket goes under is core.placement's decision."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from core.catalog import CatalogEntry
from core.errors import InvalidInput
from core.models import (
    Category,
    Contract,
    Group,
    Organization,
    SlaPolicy,
    Ticket,
    User,
    utcnow,
)
from core.organizations import lineage, user_organizations
from core.users import find_user, normalise_email

NAME_MAX = 200


def today() -> date:
    return utcnow().date()


def ticket_entry(ticket: Ticket) -> CatalogEntry | None:
    """The ticket's place in the catalog, or None while it has no group."""
    if ticket.group is None:
        return None
    return CatalogEntry(ticket.group, ticket.category, ticket.subcategory)


def coverage(contract: Contract, entry: CatalogEntry | None) -> int | None:
    """How specifically the contract covers the entry (2 by category, 1 by group, 0 as a
    contract for everything), or None if it does not cover it."""
    if contract.covers_everything:
        return 0
    if entry is None:
        return None
    if entry.category is not None and entry.category in contract.categories:
        return 2
    return 1 if entry.group in contract.groups else None


@dataclass(frozen=True, slots=True)
class Reachable:
    """A contract a person may open tickets under, through one of their organizations."""

    contract: Contract
    through: Organization
    distance: int
    """0: a contract of that organization itself; 1: of its parent; ..."""


def reachable_contracts(session: Session, user: User, *, on: date | None = None) -> list[Reachable]:
    """The contracts in force of the user's organizations and of their parents: the ones the
    user may open tickets under, nearest first."""
    day = on or today()
    found: dict[int, Reachable] = {}
    for organization in user_organizations(session, user).organizations:
        for distance, owner in enumerate(lineage(organization)):
            for contract in _contracts_of(session, owner):
                known = found.get(contract.id)
                if contract.in_force(day) and (known is None or distance < known.distance):
                    found[contract.id] = Reachable(contract, organization, distance)
    return sorted(found.values(), key=lambda item: (item.distance, item.contract.id))


def _contracts_of(session: Session, organization: Organization) -> list[Contract]:
    query = (
        select(Contract)
        .where(Contract.organization_id == organization.id)
        .options(selectinload(Contract.groups), selectinload(Contract.categories))
        .order_by(Contract.id)
    )
    return list(session.scalars(query))


def contract_policy(session: Session, ticket: Ticket) -> SlaPolicy | None:
    """The hook for core.sla's policy choice: the active SLA policy of the ticket's contract,
    which wins over the one the catalog would give; None leaves the choice to the catalog."""
    if ticket.contract_id is None:
        return None
    contract = session.get(Contract, ticket.contract_id)
    if contract is None or contract.sla_policy is None or not contract.sla_policy.active:
        return None
    return contract.sla_policy


def offered_entries(session: Session, user: User, entries: Sequence[CatalogEntry]) -> list[CatalogEntry]:
    """What the portal offers the user: every entry if their organizations have no contract in
    force, else the entries those contracts cover."""
    contracts = [item.contract for item in reachable_contracts(session, user)]
    if not contracts:
        return list(entries)
    return [entry for entry in entries if any(coverage(contract, entry) is not None for contract in contracts)]


def entry_problem(session: Session, user: User, entry: CatalogEntry | None) -> str | None:
    """Why the user may not ask for help with `entry`: their organizations have contracts, and
    none of them covers it. No category at all is always allowed (the helpdesk files it)."""
    if entry is None or offered_entries(session, user, [entry]):
        return None
    return f"{entry.path.replace('/', ' / ')} is not covered by your organization's contracts; choose one of the offered categories."


@dataclass(frozen=True, slots=True)
class ContractTerms:
    """What an admin sets on a contract."""

    name: str
    active: bool = True
    valid_from: date | None = None
    valid_until: date | None = None
    groups: tuple[Group, ...] = ()
    categories: tuple[Category, ...] = ()
    customer_managers: tuple[User, ...] = ()
    support_managers: tuple[User, ...] = ()
    sla_policy: SlaPolicy | None = None


class ContractInvalid(InvalidInput):
    """Terms the service refuses; `errors` maps each field name to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))
        self.errors = errors


@dataclass(frozen=True, slots=True)
class People:
    """Addresses resolved to users; `problems` names the ones that are not."""

    users: tuple[User, ...]
    problems: list[str] = field(default_factory=list)


def people(session: Session, addresses: Iterable[str]) -> People:
    """The existing users behind the addresses (nobody is created here)."""
    users: list[User] = []
    problems: list[str] = []
    for address in dict.fromkeys(item.strip() for item in addresses if item.strip()):
        try:
            user = find_user(session, normalise_email(address))
        except InvalidInput as error:
            problems.append(str(error))
            continue
        if user is None:
            problems.append(f"nobody with the address {address}")
        elif user not in users:
            users.append(user)
    return People(tuple(users), problems)


def terms_errors(session: Session, organization: Organization, terms: ContractTerms, contract: Contract | None) -> dict[str, str]:
    """Every field the service would refuse, by field name; empty when the terms are fine."""
    errors: dict[str, str] = {}
    name = " ".join(terms.name.split())
    if not name:
        errors["name"] = "A contract needs a name."
    elif len(name) > NAME_MAX:
        errors["name"] = f"At most {NAME_MAX} characters."
    else:
        same = (Contract.organization_id == organization.id, func.lower(Contract.name) == name.lower())
        clash = session.scalar(select(Contract).where(*same))
        if clash is not None and clash is not contract:
            errors["name"] = f"{organization.name} has a contract named {name!r} already."
    if terms.valid_from and terms.valid_until and terms.valid_until < terms.valid_from:
        errors["valid_until"] = "The end is before the start."
    not_staff = [user.email for user in terms.support_managers if not user.is_staff]
    if not_staff:
        errors["support_managers"] = (
            f"Support managers work tickets in the staff panel; not staff: {', '.join(not_staff)}."
        )
    return errors


def save_contract(
    session: Session, organization: Organization, terms: ContractTerms, contract: Contract | None = None
) -> Contract:
    """Create (contract None) or change a contract; ContractInvalid, with nothing written, for bad terms."""
    errors = terms_errors(session, organization, terms, contract)
    if errors:
        raise ContractInvalid(errors)
    if contract is None:
        contract = Contract(organization=organization, name="")
        session.add(contract)
    contract.name = " ".join(terms.name.split())
    contract.active = terms.active
    contract.valid_from, contract.valid_until = terms.valid_from, terms.valid_until
    contract.groups = list(terms.groups)
    contract.categories = list(terms.categories)
    contract.customer_managers = list(terms.customer_managers)
    contract.support_managers = list(terms.support_managers)
    contract.sla_policy = terms.sla_policy
    session.flush()
    return contract
