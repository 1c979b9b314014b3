"""Contract-only SLA policies, on SQLite and PostgreSQL: the catalog's choice (new tickets, the
preview, the reselection on a change of category or priority) never picks one, however
specific its keys; a ticket whose contract names it gets it. The admin pages save and show
the flag, and the contract form offers such a policy.

The world: the catalog IT (Hardware, Network), mail to it-help@ filed under IT/Hardware; a
24/7 calendar; "IT standard" (IT, first response 4h) and the contract-only "Gold" (IT/Hardware,
first response 1h, the more specific match for every hardware ticket); Acme (acme.example),
whose contract "Acme gold" covers IT and names Gold. Bob of other.example has no contract."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.catalog import CatalogEntry, add_path, resolve_path
from core.contracts import ContractTerms, save_contract
from core.db import unit_of_work
from core.models import (
    Contract,
    Priority,
    RecipientRoute,
    Role,
    SlaPolicy,
    SlaTarget,
    Ticket,
    TicketEvent,
    utcnow,
)
from core.organizations import add_member, add_organization, set_domains
from core.runtime import Runtime
from core.sla.policies import PolicyFields, policy_for, preview, save_policy
from core.sla.selection import TicketKeys
from core.tickets import get_ticket, set_catalog, set_priority
from core.users import add_user, get_user
from mailgateway.intake import Gateway
from tests.mail_fixtures import build_mail, deliver
from tests.portal_helpers import field_errors
from tests.test_sla_tracking import calendar
from tests.web_helpers import ADMIN, AGENT, add_people, client_for, make_app, post, text

IT_HELP = "it-help@helpdesk.example.com"
MEMBER, OUTSIDER = "alice@acme.example", "bob@other.example"


@dataclass(frozen=True)
class World:
    standard: int
    gold: int
    contract: int
    it: str
    hardware: str
    network: str


def _fields(policy: SlaPolicy, **changes: object) -> PolicyFields:
    """The policy's fields as stored, with `changes`: to save it again with one thing changed."""
    stored = PolicyFields(
        name=policy.name, entry=CatalogEntry(policy.group, policy.category, policy.subcategory), calendar=policy.calendar,
        service=policy.service, priority=policy.priority, first_response_minutes=policy.first_response_minutes,
        workaround_minutes=policy.workaround_minutes, resolution_minutes=policy.resolution_minutes,
        warn_percent=policy.warn_percent, active=policy.active, contract_only=policy.contract_only,
    )  # fmt: skip
    return replace(stored, **changes)  # type: ignore[arg-type]


def set_contract_only(runtime: Runtime, policy_id: int, flag: bool) -> None:
    with unit_of_work(runtime.sessions) as session:
        policy = session.get(SlaPolicy, policy_id)
        assert policy is not None
        save_policy(session, policy, _fields(policy, contract_only=flag))


@pytest.fixture
def world(runtime: Runtime) -> World:
    add_people(runtime)
    with unit_of_work(runtime.sessions) as session:
        for path in ("IT", "IT/Hardware", "IT/Network"):
            add_path(session, path)
        hardware = resolve_path(session, "IT/Hardware")
        session.add(RecipientRoute(address=IT_HELP, group=hardware.group, category=hardware.category))
        always = calendar(session, "Always")
        standard = save_policy(session, None, PolicyFields(name="IT standard", entry=resolve_path(session, "IT"), calendar=always,
                                                           first_response_minutes=240))  # fmt: skip
        gold = save_policy(session, None, PolicyFields(name="Gold", entry=hardware, calendar=always, first_response_minutes=60,
                                                       contract_only=True))  # fmt: skip
        acme = add_organization(session, "Acme")
        set_domains(session, acme, ["acme.example"])
        add_member(session, acme, add_user(session, MEMBER, role=Role.CLIENT))
        contract = save_contract(session, acme, ContractTerms("Acme gold", groups=(hardware.group,), sla_policy=gold))
        network = resolve_path(session, "IT/Network").category
        assert hardware.category is not None and network is not None
        return World(standard.id, gold.id, contract.id, f"g:{hardware.group.id}", f"c:{hardware.category.id}", f"c:{network.id}")


def mail_in(gateway: Gateway, sender: str) -> int:
    result = deliver(gateway, build_mail(sender=sender, to=IT_HELP, subject="The docking station is dead"))
    assert result.ticket is not None, result
    return result.ticket


def policy_name(ticket: Ticket) -> str | None:
    return ticket.sla_policy.name if ticket.sla_policy is not None else None


def policy_events(session: Session, number: int) -> list[tuple[str | None, str | None]]:
    query = select(TicketEvent).where(TicketEvent.ticket_id == number, TicketEvent.field == "sla_policy").order_by(TicketEvent.id)
    return [(event.old_value, event.new_value) for event in session.scalars(query)]


# -- the choice ---------------------------------------------------------------------------


def test_the_catalog_never_chooses_a_contract_only_policy_even_the_most_specific(runtime: Runtime, world: World) -> None:
    with runtime.sessions() as session:
        hardware = resolve_path(session, "IT/Hardware")
        assert hardware.category is not None
        keys = TicketKeys(hardware.group.id, hardware.category.id, None, None, Priority.MEDIUM)
        chosen = policy_for(session, keys)
        assert chosen is not None and chosen.name == "IT standard"
        shown = preview(session, keys, utcnow())
        assert shown.policy is not None and shown.policy.name == "IT standard"
    set_contract_only(runtime, world.gold, False)  # the same policy as a catalog policy: the most specific match
    with runtime.sessions() as session:
        chosen = policy_for(session, keys)
        assert chosen is not None and chosen.name == "Gold"


@pytest.mark.parametrize(("sender", "contract", "policy", "minutes", "history"), [
    # opened by the catalog's choice, then filed under the contract whose policy wins
    (MEMBER, "Acme gold", "Gold", 60, [(None, "IT standard"), ("IT standard", "Gold")]),
    (OUTSIDER, None, "IT standard", 240, [(None, "IT standard")]),
])  # fmt: skip
def test_a_new_mail_gets_the_contract_only_policy_through_its_contract_alone(
    runtime: Runtime, gateway: Gateway, world: World, sender: str, contract: str | None, policy: str, minutes: int,
    history: list[tuple[str | None, str | None]],
) -> None:
    number = mail_in(gateway, sender)
    with runtime.sessions() as session:
        ticket = get_ticket(session, number)
        filed = session.get(Contract, ticket.contract_id) if ticket.contract_id else None
        assert (filed.name if filed else None, policy_name(ticket)) == (contract, policy)
        first = next(clock for clock in ticket.sla_clocks if clock.target is SlaTarget.FIRST_RESPONSE)
        assert (first.target_minutes, first.due_at) == (minutes, ticket.created_at + timedelta(minutes=minutes))
        assert policy_events(session, number) == history


# -- reselection --------------------------------------------------------------------------


def test_reselection_keeps_the_flag(runtime: Runtime, gateway: Gateway, world: World) -> None:
    outsider, member = mail_in(gateway, OUTSIDER), mail_in(gateway, MEMBER)
    with unit_of_work(runtime.sessions) as session:
        agent = get_user(session, AGENT)
        network, hardware = resolve_path(session, "IT/Network"), resolve_path(session, "IT/Hardware")
        ticket = get_ticket(session, outsider)
        set_priority(session, ticket, Priority.HIGH, actor=agent)
        set_catalog(session, ticket, network, actor=agent)
        set_catalog(session, ticket, hardware, actor=agent)
        assert policy_name(ticket) == "IT standard"
        assert policy_events(session, outsider) == [(None, "IT standard")]
        ticket = get_ticket(session, member)  # the contract still wins, whatever the keys
        set_catalog(session, ticket, network, actor=agent)
        set_priority(session, ticket, Priority.LOW, actor=agent)
        assert policy_name(ticket) == "Gold"


def test_a_policy_flagged_later_leaves_a_ticket_without_the_contract_at_its_next_reselection(
    runtime: Runtime, gateway: Gateway, world: World
) -> None:
    set_contract_only(runtime, world.gold, False)
    number = mail_in(gateway, OUTSIDER)
    set_contract_only(runtime, world.gold, True)
    with unit_of_work(runtime.sessions) as session:
        ticket = get_ticket(session, number)
        assert policy_name(ticket) == "Gold"  # an edit does not change a ticket's policy behind its back
        set_priority(session, ticket, Priority.HIGH, actor=get_user(session, AGENT))
        assert policy_name(ticket) == "IT standard"
        first = next(clock for clock in ticket.sla_clocks if clock.target is SlaTarget.FIRST_RESPONSE)
        assert first.due_at == ticket.created_at + timedelta(hours=4)
        assert policy_events(session, number)[-1] == ("Gold", "IT standard")


# -- admin pages --------------------------------------------------------------------------


@pytest.fixture
def admin(runtime: Runtime, world: World) -> FlaskClient:
    app: Flask = make_app(runtime)
    return client_for(app, ADMIN)


def row(page: str, policy_id: int) -> str:
    found = re.search(rf'<tr id="policy-{policy_id}">(.*?)</tr>', page, re.DOTALL)
    assert found is not None, policy_id
    return found.group(1)


def checkbox(page: str, name: str) -> str:
    found = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert found is not None, name
    return found.group(0)


def stored_flag(runtime: Runtime, name: str) -> bool | None:
    with runtime.sessions() as session:
        return session.scalar(select(SlaPolicy.contract_only).where(SlaPolicy.name == name))


def policy_form(world: World, **changes: str) -> dict[str, str]:
    with_defaults = {"name": "Platinum", "entry": world.it, "service": "", "priority": "", "first_response": "15m",
                     "workaround": "", "resolution": "", "calendar": "", "warn_percent": "75", "active": "y"}  # fmt: skip
    return {**with_defaults, **changes}


def test_the_admin_form_saves_and_shows_the_flag(runtime: Runtime, admin: FlaskClient, world: World) -> None:
    listing = text(admin.get("/admin/sla/"))
    assert "Contract only" in row(listing, world.gold) and "Contract only" not in row(listing, world.standard)
    assert "checked" in checkbox(text(admin.get(f"/admin/sla/policies/{world.gold}")), "contract_only")
    assert "checked" not in checkbox(text(admin.get(f"/admin/sla/policies/{world.standard}")), "contract_only")
    with runtime.sessions() as session:
        gold = session.get(SlaPolicy, world.gold)
        assert gold is not None
        calendar_id = str(gold.calendar_id)
    # Contract only, it may share its keys (IT) with the catalog's "IT standard".
    created = post(admin, "/admin/sla/policies/new", policy_form(world, calendar=calendar_id, contract_only="y"))
    assert (created.status_code, created.headers["Location"]) == (303, "/admin/sla/")
    assert stored_flag(runtime, "Platinum") is True
    with runtime.sessions() as session:
        platinum = session.scalars(select(SlaPolicy).where(SlaPolicy.name == "Platinum")).one()
        assert (platinum.category_id, platinum.first_response_minutes) == (None, 15)
        number = platinum.id
    assert "Contract only" in row(text(admin.get("/admin/sla/")), number)
    # Taking part in the catalog's choice again, it would tie with "IT standard": refused next to the field.
    clash = post(admin, f"/admin/sla/policies/{number}", policy_form(world, calendar=calendar_id))
    assert clash.status_code == 400
    assert field_errors(clash) == {"entry": ["the active policy 'IT standard' covers exactly these tickets already"]}
    assert "checked" not in checkbox(text(clash), "contract_only")  # what was sent comes back
    assert stored_flag(runtime, "Platinum") is True
    unflagged = post(admin, f"/admin/sla/policies/{world.gold}", policy_form(world, name="Gold", entry=world.hardware,
                                                                              calendar=calendar_id, first_response="1h"))  # fmt: skip
    assert unflagged.status_code == 303
    assert stored_flag(runtime, "Gold") is False
    assert "Contract only" not in row(text(admin.get("/admin/sla/")), world.gold)


def test_the_preview_leaves_contract_only_policies_out(admin: FlaskClient, world: World) -> None:
    page = text(admin.get("/admin/sla/preview", query_string={"entry": world.hardware, "priority": "medium"}))
    shown = re.search(r'gets the policy <a href="/admin/sla/policies/(\d+)"><b>([^<]+)</b>', page)
    assert shown is not None and shown.groups() == (str(world.standard), "IT standard")
    assert "policies marked contract only, are not chosen" in page


def test_the_contract_form_offers_a_contract_only_policy_and_new_mail_follows_it(
    runtime: Runtime, admin: FlaskClient, gateway: Gateway, world: World
) -> None:
    page = text(admin.get(f"/admin/contracts/{world.contract}"))
    options = re.search(r'<select[^>]*name="sla_policy"[^>]*>(.*?)</select>', page, re.DOTALL)
    assert options is not None
    assert re.search(rf'<option selected value="{world.gold}">Gold</option>', options.group(1)), options.group(1)
    assert "A policy marked contract only reaches tickets this way alone." in page
    form = {"name": "Acme gold", "coverage": [world.it], "sla_policy": "", "active": "y"}
    assert post(admin, f"/admin/contracts/{world.contract}", form).status_code == 303
    with runtime.sessions() as session:
        assert policy_name(get_ticket(session, mail_in(gateway, MEMBER))) == "IT standard"
    assert post(admin, f"/admin/contracts/{world.contract}", {**form, "sla_policy": str(world.gold)}).status_code == 303
    with runtime.sessions() as session:
        assert policy_name(get_ticket(session, mail_in(gateway, MEMBER))) == "Gold"
