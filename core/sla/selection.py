"""Which SLA policy a ticket gets: a pure choice among the candidates, so it can be explained
and tested without a database.

A policy matches when its group is the ticket's group and each of its other keys (category,
subcategory, service, priority) is empty ("any") or the ticket's. Among the matches the most
specific wins, compared in this order: the demand type (subcategory > category > group), then
the service (a named service beats "any"), then the priority (a named priority beats "any").
Two policies with the same keys are refused when saved (core.sla.policies); should two tie
anyway, the older one (lower id) wins, so the choice never depends on the order of rows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from core.models import Priority


class PolicyKeys(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def group_id(self) -> int: ...
    @property
    def category_id(self) -> int | None: ...
    @property
    def subcategory_id(self) -> int | None: ...
    @property
    def service_id(self) -> int | None: ...
    @property
    def priority(self) -> Priority | None: ...


P = TypeVar("P", bound=PolicyKeys)


@dataclass(frozen=True, slots=True)
class TicketKeys:
    """What a policy is chosen by: the ticket's place in the catalog, its service and priority."""

    group_id: int | None
    category_id: int | None
    subcategory_id: int | None
    service_id: int | None
    priority: Priority


def matches(policy: PolicyKeys, ticket: TicketKeys) -> bool:
    if policy.group_id != ticket.group_id:
        return False
    wanted = (
        (policy.category_id, ticket.category_id),
        (policy.subcategory_id, ticket.subcategory_id),
        (policy.service_id, ticket.service_id),
        (policy.priority, ticket.priority),
    )
    return all(mine is None or mine == theirs for mine, theirs in wanted)


def specificity(policy: PolicyKeys) -> tuple[int, int, int]:
    """(demand type 1-3, service 0/1, priority 0/1): a larger tuple is more specific."""
    demand = 3 if policy.subcategory_id is not None else 2 if policy.category_id is not None else 1
    return demand, int(policy.service_id is not None), int(policy.priority is not None)


def choose_policy(policies: Iterable[P], ticket: TicketKeys) -> P | None:
    """The most specific matching policy, or None: the ticket then has no SLA."""
    candidates = [policy for policy in policies if matches(policy, ticket)]
    if not candidates:
        return None
    return max(candidates, key=lambda policy: (specificity(policy), -policy.id))
