"""core.permissions: the decision in Python and the SQL condition for lists agree for every
persona, ticket, action and surface, rule by rule too; and the cases the matrix does not
reach: an inactive contract, a client named as a support manager, contracts as targets, a
deeper tree. On SQLite and PostgreSQL, over the world of the access matrix."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from core.contracts import ContractInvalid, ContractTerms, save_contract, today
from core.db import unit_of_work
from core.errors import InvalidInput
from core.models import Contract, Organization, Role, Ticket, User
from core.models.orgs import contract_support_managers
from core.organizations import (
    add_organization,
    descendant_ids,
    normalise_domain,
    organization_for_domain,
    set_domains,
    update_organization,
)
from core.permissions import (
    TICKET_RULES,
    Action,
    Grants,
    Surface,
    TicketFacts,
    decide,
    rule_condition,
    ticket_condition,
)
from core.runtime import Runtime
from core.users import add_user, get_user
from mailgateway.intake import Gateway
from tests.test_access_matrix_orgs import (
    ADMIN,
    AGENT,
    CHILD_MANAGER,
    CLIENT,
    LAB_CLIENT,
    OTHER_CLIENT,
    PARENT_MANAGER,
    STRANGER,
    SUPPORT_MANAGER,
    OrgWorld,
    build_world,
)


@pytest.fixture
def org_world(runtime: Runtime, gateway: Gateway) -> OrgWorld:
    return build_world(runtime, gateway)


EVERYONE = (ADMIN, AGENT, SUPPORT_MANAGER, PARENT_MANAGER, CHILD_MANAGER, CLIENT, LAB_CLIENT, OTHER_CLIENT, STRANGER)
TICKET_ACTIONS = [action for action in Action if action is not Action.OPEN_TICKET]


def _selected(session: Session, condition: object) -> set[int]:
    return set(session.scalars(select(Ticket.id).where(condition)))  # type: ignore[arg-type]


def test_decision_and_list_condition_agree_everywhere(org_world: OrgWorld) -> None:
    with org_world.runtime.sessions() as session:
        tickets = list(session.scalars(select(Ticket)))
        assert len(tickets) == 4
        for email in EVERYONE:
            user = get_user(session, email)
            for action in TICKET_ACTIONS:
                for surface in (None, Surface.PANEL, Surface.PORTAL):
                    listed = _selected(session, ticket_condition(session, user, action, surface=surface))
                    decided = {ticket.id for ticket in tickets if decide(session, user, action, ticket, surface=surface)}
                    assert listed == decided, (email, action, surface)


def test_each_rule_agrees_with_its_sql(org_world: OrgWorld) -> None:
    """Rule by rule, so a rule hidden behind an earlier one (the support manager behind the
    agent) is checked too."""
    with org_world.runtime.sessions() as session:
        tickets = list(session.scalars(select(Ticket)))
        for email in EVERYONE:
            user = get_user(session, email)
            grants = Grants(session, user)
            for rule in TICKET_RULES:
                held = {t.id for t in tickets if rule.applies_to(user) and rule.holds(grants, TicketFacts(t))}
                assert held == _selected(session, rule_condition(session, rule.name, user)), (email, rule.name)


def test_what_each_attribute_grants_and_the_rule_that_says_so(org_world: OrgWorld) -> None:
    numbers = org_world.tickets
    with org_world.runtime.sessions() as session:
        sam, boss, lena = (get_user(session, email) for email in (SUPPORT_MANAGER, PARENT_MANAGER, CHILD_MANAGER))
        assert _selected(session, rule_condition(session, "support_manager", sam)) == {numbers["acme"]}
        assert _selected(session, rule_condition(session, "customer_manager", boss)) == {numbers["acme"], numbers["lab"]}
        assert _selected(session, rule_condition(session, "customer_manager", lena)) == {numbers["lab"]}
        lab = session.get(Ticket, numbers["lab"])
        assert lab is not None
        assert decide(session, boss, Action.COMMENT, lab) == decide(session, boss, Action.VIEW, lab)
        assert decide(session, boss, Action.VIEW, lab).rule == "customer_manager"
        assert not decide(session, boss, Action.SEE_INTERNAL_NOTES, lab)
        assert not decide(session, boss, Action.CHANGE_STATUS, lab)
        assert not decide(session, boss, Action.VIEW, lab, surface=Surface.PANEL), "a customer manager's rights are the portal's"
        lara = get_user(session, LAB_CLIENT)
        assert decide(session, lara, Action.CHANGE_STATUS, lab).rule == "requester"
        assert decide(session, get_user(session, AGENT), Action.WORK, lab, surface=Surface.PANEL).rule == "agent"
        assert not decide(session, get_user(session, AGENT), Action.VIEW, lab, surface=Surface.PORTAL)


def test_an_inactive_contract_gives_nobody_rights(org_world: OrgWorld) -> None:
    with unit_of_work(org_world.runtime.sessions) as session:
        contract = session.get(Contract, org_world.contracts["acme"])
        assert contract is not None
        contract.active = False
    with org_world.runtime.sessions() as session:
        assert _selected(session, rule_condition(session, "customer_manager", get_user(session, PARENT_MANAGER))) == set()
        assert _selected(session, rule_condition(session, "support_manager", get_user(session, SUPPORT_MANAGER))) == set()
        lena = get_user(session, CHILD_MANAGER)
        assert _selected(session, rule_condition(session, "customer_manager", lena)) == {org_world.tickets["lab"]}, "her own contract stays"


def test_a_client_named_as_support_manager_gets_nothing(org_world: OrgWorld) -> None:
    """The service refuses it; written into the table anyway, the rule still grants nothing."""
    with unit_of_work(org_world.runtime.sessions) as session:
        acme = session.get(Organization, org_world.organizations["acme"])
        gina = get_user(session, OTHER_CLIENT)
        with pytest.raises(ContractInvalid) as refused:
            save_contract(session, acme, ContractTerms("Gina's", support_managers=(gina,)))  # type: ignore[arg-type]
        assert "support_managers" in refused.value.errors
    with unit_of_work(org_world.runtime.sessions) as session:
        gina = get_user(session, OTHER_CLIENT)
        session.execute(insert(contract_support_managers).values(contract_id=org_world.contracts["acme"], user_id=gina.id))
    with org_world.runtime.sessions() as session:
        gina = get_user(session, OTHER_CLIENT)
        assert _selected(session, ticket_condition(session, gina)) == {org_world.tickets["globex"]}


def test_who_may_open_a_ticket_under_a_contract(org_world: OrgWorld) -> None:
    with unit_of_work(org_world.runtime.sessions) as session:
        add_user(session, "bob@acme.example", role=Role.CLIENT)
        contracts = {key: session.get(Contract, number) for key, number in org_world.contracts.items()}

        def may(email: str, key: str, action: Action = Action.OPEN_TICKET) -> str | None:
            decision = decide(session, get_user(session, email), action, contracts[key])  # type: ignore[arg-type]
            return decision.rule if decision else None

        assert may(CLIENT, "acme") == "member"
        assert may(LAB_CLIENT, "acme") == "member", "a child organization inherits its parent's contracts"
        assert may(CLIENT, "lab") is None, "but not the other way round"
        assert may("bob@acme.example", "acme") == "member", "a sender of the organization's domain belongs to it"
        assert may(OTHER_CLIENT, "acme") is None
        assert may(ADMIN, "acme") is None, "the requester's organizations count, not the role"
        assert may(ADMIN, "acme", Action.VIEW) == "admin"
        assert may(PARENT_MANAGER, "acme", Action.VIEW) == "manager"
        assert may(OTHER_CLIENT, "acme", Action.VIEW) is None
        acme = contracts["acme"]
        assert acme is not None
        acme.valid_until = today() - timedelta(days=1)
        session.flush()
        assert may(CLIENT, "acme") is None, "an expired contract takes no new tickets"


def test_descendants_follow_the_tree_and_moves(org_world: OrgWorld) -> None:
    with unit_of_work(org_world.runtime.sessions) as session:
        acme, lab, globex = (session.get(Organization, org_world.organizations[key]) for key in ("acme", "lab", "globex"))
        assert acme is not None and lab is not None and globex is not None
        bench = add_organization(session, "Lab bench 3", parent=lab)
        assert descendant_ids(session, [acme.id]) == {acme.id, lab.id, bench.id}
        with pytest.raises(InvalidInput, match="inside"):
            update_organization(session, acme, name="Acme", parent=bench, active=True)
        update_organization(session, lab, name="Acme Lab", parent=globex, active=True)
        assert descendant_ids(session, [acme.id]) == {acme.id}
        assert descendant_ids(session, [globex.id]) == {globex.id, lab.id, bench.id}


def test_mail_domains_are_checked_unique_and_the_most_specific_wins(org_world: OrgWorld) -> None:
    assert normalise_domain(" @Lab.ACME.example. ") == "lab.acme.example"
    for bad in ("acme", "not a domain", "-x.example", "x..example"):
        with pytest.raises(InvalidInput):
            normalise_domain(bad)
    with unit_of_work(org_world.runtime.sessions) as session:
        lab, globex = (session.get(Organization, org_world.organizations[key]) for key in ("lab", "globex"))
        assert lab is not None and globex is not None
        with pytest.raises(InvalidInput, match="acme.example belongs to Acme"):
            set_domains(session, globex, ["globex.example", "acme.example"])
        set_domains(session, lab, ["lab.acme.example"])
        assert organization_for_domain(session, "x@lab.acme.example") is lab
        assert organization_for_domain(session, "x@dept.lab.acme.example") is lab
        found = organization_for_domain(session, "x@sales.acme.example")
        assert found is not None and found.name == "Acme"
        assert organization_for_domain(session, "x@example") is None
        globex.active = False
        session.flush()
        assert organization_for_domain(session, "x@globex.example") is None, "an inactive organization is not chosen"


def test_staff_lists_are_not_filtered_and_strangers_see_their_own(org_world: OrgWorld) -> None:
    with org_world.runtime.sessions() as session:
        for email in (ADMIN, AGENT, SUPPORT_MANAGER):
            assert str(ticket_condition(session, get_user(session, email), surface=Surface.PANEL)) == "true"
        stranger = session.scalar(select(User).where(User.email == STRANGER))
        assert stranger is not None
        assert _selected(session, ticket_condition(session, stranger)) == {org_world.tickets["none"]}
