"""Choosing a ticket's SLA policy: the most specific match wins, a ticket matching none has no SLA."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from core.models import Priority
from core.sla.selection import TicketKeys, choose_policy, matches, specificity


@dataclass(frozen=True)
class P:
    id: int
    group_id: int
    category_id: int | None = None
    subcategory_id: int | None = None
    service_id: int | None = None
    priority: Priority | None = None


GROUP, CATEGORY, SUBCATEGORY, MAIL, VPN = 1, 10, 100, 7, 8
LAPTOP_MAIL_HIGH = TicketKeys(GROUP, CATEGORY, SUBCATEGORY, MAIL, Priority.HIGH)

GROUP_ONLY = P(1, GROUP)
CATEGORY_ONLY = P(2, GROUP, CATEGORY)
SUBCATEGORY_ONLY = P(3, GROUP, CATEGORY, SUBCATEGORY)
GROUP_MAIL = P(4, GROUP, service_id=MAIL)
GROUP_HIGH = P(5, GROUP, priority=Priority.HIGH)
CATEGORY_MAIL = P(6, GROUP, CATEGORY, service_id=MAIL)
CATEGORY_HIGH = P(7, GROUP, CATEGORY, priority=Priority.HIGH)
CATEGORY_MAIL_HIGH = P(8, GROUP, CATEGORY, service_id=MAIL, priority=Priority.HIGH)


@pytest.mark.parametrize(
    ("policies", "expected"),
    [
        ([GROUP_ONLY], GROUP_ONLY),
        ([GROUP_ONLY, CATEGORY_ONLY], CATEGORY_ONLY),
        ([GROUP_ONLY, CATEGORY_ONLY, SUBCATEGORY_ONLY], SUBCATEGORY_ONLY),
        # The demand type outweighs service and priority: subcategory beats category+service+priority.
        ([CATEGORY_MAIL_HIGH, SUBCATEGORY_ONLY], SUBCATEGORY_ONLY),
        # At the same demand level a named service beats a named priority ...
        ([CATEGORY_HIGH, CATEGORY_MAIL], CATEGORY_MAIL),
        ([GROUP_HIGH, GROUP_MAIL], GROUP_MAIL),
        # ... and both together beat either.
        ([CATEGORY_MAIL, CATEGORY_HIGH, CATEGORY_MAIL_HIGH], CATEGORY_MAIL_HIGH),
        ([GROUP_ONLY, GROUP_HIGH], GROUP_HIGH),
    ],
)
def test_the_most_specific_match_wins(policies: list[P], expected: P) -> None:
    assert choose_policy(policies, LAPTOP_MAIL_HIGH) == expected
    assert choose_policy(reversed(policies), LAPTOP_MAIL_HIGH) == expected


def test_a_key_that_differs_excludes_the_policy() -> None:
    other_group, other_category = P(20, 2), P(21, GROUP, 11)
    vpn, low = P(22, GROUP, service_id=VPN), P(23, GROUP, priority=Priority.LOW)
    other_subcategory = P(24, GROUP, CATEGORY, 101)
    for policy in (other_group, other_category, vpn, low, other_subcategory):
        assert not matches(policy, LAPTOP_MAIL_HIGH)
    assert choose_policy([other_group, other_category, vpn, low, other_subcategory], LAPTOP_MAIL_HIGH) is None


def test_no_policy_and_no_group_mean_no_sla() -> None:
    assert choose_policy([], LAPTOP_MAIL_HIGH) is None
    unfiled = TicketKeys(None, None, None, None, Priority.MEDIUM)
    assert choose_policy([GROUP_ONLY, CATEGORY_ONLY], unfiled) is None


def test_a_policy_for_a_service_does_not_apply_to_a_ticket_without_one() -> None:
    no_service = TicketKeys(GROUP, CATEGORY, None, None, Priority.HIGH)
    assert choose_policy([GROUP_ONLY, CATEGORY_MAIL, CATEGORY_HIGH], no_service) == CATEGORY_HIGH


def test_a_tie_goes_to_the_older_policy() -> None:
    twin = P(99, GROUP, CATEGORY)
    assert choose_policy([twin, CATEGORY_ONLY], LAPTOP_MAIL_HIGH) == CATEGORY_ONLY


def test_specificity_orders_demand_then_service_then_priority() -> None:
    assert specificity(SUBCATEGORY_ONLY) > specificity(CATEGORY_MAIL_HIGH) > specificity(CATEGORY_MAIL) > specificity(CATEGORY_HIGH)
    assert specificity(GROUP_ONLY) == (1, 0, 0)
