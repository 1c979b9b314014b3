"""The access decision: may this user do this to this ticket (or contract), and the same rules
as one SQL condition, so that ticket lists are filtered by the database, never after loading.

Three roles stay (admin, agent, client); rights beyond them come from attributes. The rules
are a table (`TICKET_RULES`), read by one loop, and each decision names the rule that granted
it, so an answer can be explained:

| rule | who | tickets | actions | where |
| --- | --- | --- | --- | --- |
| admin | admins | all | all | panel |
| agent | agents | all (as before organizations) | all | panel |
| support_manager | staff who support-manage an active contract | those under the contract | all | panel |
| requester | anyone | the ones they asked for | view, comment, change status (close, reopen) | portal |
| watcher | anyone | the ones they watch | view, comment | portal |
| customer_manager | anyone who customer-manages an active contract | those of the contract's organization and its children, and those under the contract | view, comment | portal |

"All" actions are view, comment, change status, work (assign, priority, category, watchers,
links, merge) and see internal notes. The portal never shows internal notes to anyone.

Agents still see every ticket, so today the support_manager rule adds nothing to an agent's
rights; it is its own rule so that it keeps holding the day agents are limited to their
groups. A client named as a support manager gets nothing from it (the contract forms refuse
that; the panel is for staff). An inactive contract gives no rights; an inactive organization
keeps the rights of its contracts (it only stops getting new tickets).

For contracts: admins and the contract's managers may view it; a user may open a ticket under
it only through one of their organizations (core.contracts.reachable_contracts: a member,
or a sender of its mail domain, of the contract's organization or of one below it).

`decide` checks a ticket's columns against the user's grants in Python; `ticket_condition`
puts each rule into SQL over the same grants (the managed organizations with all their
descendants, found with a recursive CTE: core.organizations.subtree), as literal id lists:
they give PostgreSQL's planner real selectivities, so it walks the list's index for a big
organization and the organization's index for a small one (a subquery it estimates blind).
The two are kept in agreement by tests over every persona, ticket, action and surface."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property

from sqlalchemy import (
    ColumnElement,
    Select,
    Table,
    false,
    or_,
    select,
    true,
)
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.elements import True_

from core.contracts import reachable_contracts
from core.models import Contract, Role, Ticket, User
from core.models.orgs import contract_customer_managers, contract_support_managers
from core.models.tickets import ticket_watchers
from core.organizations import descendant_ids


class Action(StrEnum):
    VIEW = "view"
    COMMENT = "comment"
    CHANGE_STATUS = "change_status"
    WORK = "work"
    SEE_INTERNAL_NOTES = "see_internal_notes"
    OPEN_TICKET = "open_ticket"
    """On a contract: open a new ticket under it."""


class Surface(StrEnum):
    """Where a rule applies: the staff panel (`/admin/`) or the employees' portal (`/portal/`).
    A check without a surface (the API) asks every rule."""

    PANEL = "panel"
    PORTAL = "portal"


EVERYTHING = frozenset({Action.VIEW, Action.COMMENT, Action.CHANGE_STATUS, Action.WORK, Action.SEE_INTERNAL_NOTES})
TALK = frozenset({Action.VIEW, Action.COMMENT})


@dataclass(frozen=True, slots=True)
class Decision:
    """The answer, and the rule that gave it (None: no rule did)."""

    allowed: bool
    rule: str | None = None

    def __bool__(self) -> bool:
        return self.allowed


def _active_contracts_of(user_id: int, people: Table) -> Select[tuple[int]]:
    """The active contracts on which the user is in `people` (customer or support managers)."""
    return (
        select(people.c.contract_id)
        .join(Contract, Contract.id == people.c.contract_id)
        .where(people.c.user_id == user_id, Contract.active.is_(True))
    )


def _managed_roots(user_id: int) -> Select[tuple[int]]:
    """The organizations of the active contracts the user customer-manages."""
    return (
        select(Contract.organization_id)
        .join(contract_customer_managers, contract_customer_managers.c.contract_id == Contract.id)
        .where(contract_customer_managers.c.user_id == user_id, Contract.active.is_(True))
    )


GRANTS_KEY = "postdesk.grants"
"""Where `Grants.of` keeps them, in the session's `info`."""


class Grants:
    """What the user's attributes give; each part is read from the database on first use, so a
    decision that a requester or a role settles costs no query. `of` keeps one per user for
    the session (a request, a unit of work): a page that checks, counts and lists reads them once."""

    def __init__(self, session: Session, user: User) -> None:
        self._session = session
        self.user_id = user.id

    @classmethod
    def of(cls, session: Session, user: User) -> Grants:
        known: dict[int, Grants] = session.info.setdefault(GRANTS_KEY, {})
        if user.id not in known:
            known[user.id] = cls(session, user)
        return known[user.id]

    @cached_property
    def supported_contracts(self) -> frozenset[int]:
        return frozenset(self._session.scalars(_active_contracts_of(self.user_id, contract_support_managers)))

    @cached_property
    def managed_contracts(self) -> frozenset[int]:
        return frozenset(self._session.scalars(_active_contracts_of(self.user_id, contract_customer_managers)))

    @cached_property
    def managed_organizations(self) -> frozenset[int]:
        """The organizations of the managed contracts, and all their descendants."""
        return descendant_ids(self._session, self._session.scalars(_managed_roots(self.user_id)).all())


class TicketFacts:
    """The columns of a ticket the rules read; its watchers only once a rule asks for them."""

    def __init__(self, ticket: Ticket) -> None:
        self._ticket = ticket
        self.requester_id = ticket.requester_id
        self.organization_id = ticket.organization_id
        self.contract_id = ticket.contract_id

    @cached_property
    def watcher_ids(self) -> frozenset[int]:
        return frozenset(watcher.id for watcher in self._ticket.watchers)


@dataclass(frozen=True, slots=True)
class TicketRule:
    name: str
    surface: Surface
    actions: frozenset[Action]
    applies_to: Callable[[User], bool]
    """Whether the rule can grant this user anything (by role); cheap, no database."""
    holds: Callable[[Grants, TicketFacts], bool]
    condition: Callable[[Grants], ColumnElement[bool]]
    """The tickets it grants, as SQL."""


def _anyone(_user: User) -> bool:
    return True


def _among(column: InstrumentedAttribute[int | None], ids: frozenset[int]) -> ColumnElement[bool]:
    return column.in_(sorted(ids)) if ids else false()


def _watched_by(grants: Grants) -> ColumnElement[bool]:
    return Ticket.id.in_(select(ticket_watchers.c.ticket_id).where(ticket_watchers.c.user_id == grants.user_id))


def _managed_by(grants: Grants) -> ColumnElement[bool]:
    return or_(
        _among(Ticket.organization_id, grants.managed_organizations),
        _among(Ticket.contract_id, grants.managed_contracts),
    )


TICKET_RULES: tuple[TicketRule, ...] = (
    TicketRule("admin", Surface.PANEL, EVERYTHING, lambda user: user.role is Role.ADMIN,
               lambda _grants, _facts: True, lambda _grants: true()),
    TicketRule("agent", Surface.PANEL, EVERYTHING, lambda user: user.role is Role.AGENT,
               lambda _grants, _facts: True, lambda _grants: true()),
    TicketRule("support_manager", Surface.PANEL, EVERYTHING, lambda user: user.is_staff,
               lambda grants, facts: facts.contract_id in grants.supported_contracts,
               lambda grants: _among(Ticket.contract_id, grants.supported_contracts)),
    TicketRule("requester", Surface.PORTAL, TALK | {Action.CHANGE_STATUS}, _anyone,
               lambda grants, facts: facts.requester_id == grants.user_id,
               lambda grants: Ticket.requester_id == grants.user_id),
    TicketRule("watcher", Surface.PORTAL, TALK, _anyone,
               lambda grants, facts: grants.user_id in facts.watcher_ids, _watched_by),
    TicketRule("customer_manager", Surface.PORTAL, TALK, _anyone,
               lambda grants, facts: facts.organization_id in grants.managed_organizations
               or facts.contract_id in grants.managed_contracts,
               _managed_by),
)  # fmt: skip


def _rules_for(user: User, action: Action, surface: Surface | None) -> list[TicketRule]:
    return [
        rule for rule in TICKET_RULES
        if action in rule.actions and (surface is None or rule.surface is surface) and rule.applies_to(user)
    ]  # fmt: skip


def _decide_ticket(session: Session, user: User, action: Action, ticket: Ticket, surface: Surface | None) -> Decision:
    rules = _rules_for(user, action, surface)
    if not rules:
        return Decision(False)
    grants, facts = Grants.of(session, user), TicketFacts(ticket)
    for rule in rules:
        if rule.holds(grants, facts):
            return Decision(True, rule.name)
    return Decision(False)


def _decide_contract(session: Session, user: User, action: Action, contract: Contract) -> Decision:
    if action is Action.VIEW and user.role is Role.ADMIN:
        return Decision(True, "admin")
    if action is Action.VIEW and contract.active and user in (*contract.support_managers, *contract.customer_managers):
        return Decision(True, "manager")
    reachable = action in (Action.VIEW, Action.OPEN_TICKET) and any(
        item.contract.id == contract.id for item in reachable_contracts(session, user)
    )
    return Decision(True, "member") if reachable else Decision(False)


def decide(
    session: Session, user: User, action: Action, target: Ticket | Contract, *, surface: Surface | None = None
) -> Decision:
    """May `user` do `action` to `target`? On a ticket, only the rules of `surface` count (all
    of them without one); on a contract: view, or open a ticket under it."""
    if isinstance(target, Contract):
        return _decide_contract(session, user, action, target)
    return _decide_ticket(session, user, action, target, surface)


def ticket_condition(
    session: Session, user: User, action: Action = Action.VIEW, *, surface: Surface | None = None
) -> ColumnElement[bool]:
    """The tickets on which `user` may do `action`, as a WHERE condition on `Ticket`: the same
    rules as `decide`, for lists and counts. A rule that grants every ticket (a role's) ends
    the search, so a staff list costs no query and no filter."""
    grants, conditions = Grants.of(session, user), []
    for rule in _rules_for(user, action, surface):
        condition = rule.condition(grants)
        if isinstance(condition, True_):
            return true()
        conditions.append(condition)
    return or_(*conditions) if conditions else false()


def _rule(name: str) -> TicketRule:
    return next(rule for rule in TICKET_RULES if rule.name == name)


def rule_condition(session: Session, name: str, user: User) -> ColumnElement[bool]:
    """One rule's tickets (e.g. the portal's "my organization" list: `customer_manager`)."""
    rule = _rule(name)
    return rule.condition(Grants.of(session, user)) if rule.applies_to(user) else false()


def manages_organizations(session: Session, user: User) -> bool:
    """Whether the user customer-manages an active contract (the portal then lists its tickets)."""
    return bool(Grants.of(session, user).managed_contracts)
