"""Mail in, and the portal's new request: the requester's organization and contract are found
(membership, else the sender's domain; the nearest organization, the most specific coverage),
the ticket is filed under them, and the contract's SLA policy wins over the catalog's. The
portal offers only what the requester's contracts cover. On SQLite and PostgreSQL.

The world: the catalog IT (Hardware, Accounts) and Facilities (Keys), routed by recipient
address; Acme (acme.example) with "Acme IT" (the IT group) and "Acme hardware" (IT/Hardware,
SLA policy "Acme gold"), Acme Lab under it (lab.acme.example, no contract of its own);
Initech (initech.example) whose only contract ran out yesterday."""

from __future__ import annotations

import re
import smtplib
from dataclasses import dataclass, replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from core.catalog import add_path, resolve_path
from core.contracts import ContractTerms, save_contract, today
from core.db import unit_of_work
from core.models import (
    Contract,
    Organization,
    Priority,
    RecipientRoute,
    Role,
    Ticket,
    TicketEvent,
)
from core.organizations import add_member, add_organization, set_domains
from core.portal_intake import (
    PortalRequest,
    RequestInvalid,
    WatcherPolicy,
    open_from_portal,
)
from core.runtime import Runtime
from core.sla.calendars import CalendarFields, save_calendar
from core.sla.policies import PolicyFields, save_policy
from core.tickets import get_ticket
from core.users import add_user, get_user
from mailgateway.intake import Gateway
from mailgateway.listener import Endpoint
from tests.mail_fixtures import SUPPORT, build_mail, deliver
from tests.portal_helpers import field_errors, send, signed_in
from tests.test_web_auth import PASSWORD
from tests.web_helpers import make_app

IT_HELP, ACCOUNTS, FACILITIES = "it-help@helpdesk.example.com", "accounts@helpdesk.example.com", "facilities@helpdesk.example.com"
ALWAYS = {weekday: [(0, 1440)] for weekday in range(7)}


@dataclass(frozen=True)
class Filed:
    organization: str | None
    contract: str | None
    policy: str | None


@pytest.fixture
def helpdesk(runtime: Runtime) -> Runtime:
    with unit_of_work(runtime.sessions) as session:
        for path in ("IT", "IT/Hardware", "IT/Accounts", "Facilities", "Facilities/Keys"):
            add_path(session, path)
        for address, path in ((IT_HELP, "IT/Hardware"), (ACCOUNTS, "IT/Accounts"), (FACILITIES, "Facilities")):
            entry = resolve_path(session, path)
            session.add(RecipientRoute(address=address, group=entry.group, category=entry.category))
        clock = save_calendar(session, None, CalendarFields(name="Always", timezone="UTC", hours=ALWAYS))
        it = resolve_path(session, "IT")
        save_policy(session, None, PolicyFields(name="IT standard", entry=it, calendar=clock, resolution_minutes=2400))
        # An SLA policy always has catalog keys: these (urgent IT/Hardware) match none of the
        # tickets here, so only the contract brings "Acme gold" to them.
        gold = save_policy(session, None, PolicyFields(name="Acme gold", entry=resolve_path(session, "IT/Hardware"),
                                                       calendar=clock, priority=Priority.URGENT, resolution_minutes=240))  # fmt: skip
        acme = add_organization(session, "Acme")
        lab = add_organization(session, "Acme Lab", parent=acme)
        initech = add_organization(session, "Initech")
        set_domains(session, acme, ["acme.example"])
        set_domains(session, lab, ["lab.acme.example"])
        set_domains(session, initech, ["initech.example"])
        alice = add_user(session, "alice@acme.example", role=Role.CLIENT, password=PASSWORD)
        add_user(session, "sid@nowhere.example", role=Role.CLIENT, password=PASSWORD)
        add_member(session, acme, alice)
        save_contract(session, acme, ContractTerms("Acme IT", groups=(it.group,)))
        save_contract(session, acme, ContractTerms("Acme hardware", categories=(resolve_path(session, "IT/Hardware").category,),  # type: ignore[arg-type]
                                                   sla_policy=gold))  # fmt: skip
        save_contract(session, initech, ContractTerms("Initech all", valid_until=today() - timedelta(days=1)))
    return runtime


def _filed(runtime: Runtime, number: int) -> Filed:
    with runtime.sessions() as session:
        ticket = get_ticket(session, number)
        organization = session.get(Organization, ticket.organization_id) if ticket.organization_id else None
        contract = session.get(Contract, ticket.contract_id) if ticket.contract_id else None
        return Filed(
            organization.name if organization else None,
            contract.name if contract else None,
            ticket.sla_policy.name if ticket.sla_policy else None,
        )


def _mail(gateway: Gateway, sender: str, to: str) -> int:
    result = deliver(gateway, build_mail(sender=sender, to=to, subject=f"From {sender} to {to}"))
    assert result.ticket is not None, result
    return result.ticket


@pytest.mark.parametrize(
    ("sender", "to", "expected"),
    [
        # a member: the most specific of Acme's contracts, and so its SLA policy
        ("alice@acme.example", IT_HELP, Filed("Acme", "Acme hardware", "Acme gold")),
        ("alice@acme.example", ACCOUNTS, Filed("Acme", "Acme IT", "IT standard")),
        # not covered by any contract: the organization only, the catalog's policy
        ("alice@acme.example", FACILITIES, Filed("Acme", None, None)),
        # someone who never wrote before, by the domain of the address
        ("bob@acme.example", IT_HELP, Filed("Acme", "Acme hardware", "Acme gold")),
        # a subdomain of its own: the child organization, with the parent's contract
        ("carl@lab.acme.example", ACCOUNTS, Filed("Acme Lab", "Acme IT", "IT standard")),
        # a contract that ran out takes no new tickets
        ("dan@initech.example", IT_HELP, Filed("Initech", None, "IT standard")),
        ("sid@nowhere.example", IT_HELP, Filed(None, None, "IT standard")),
    ],
)
def test_a_new_mail_is_filed_under_its_organization_and_contract(
    helpdesk: Runtime, gateway: Gateway, sender: str, to: str, expected: Filed
) -> None:
    assert _filed(helpdesk, _mail(gateway, sender, to)) == expected


def test_the_filing_is_in_the_history_and_no_membership_is_written(helpdesk: Runtime, gateway: Gateway) -> None:
    number = _mail(gateway, "bob@acme.example", IT_HELP)
    with helpdesk.sessions() as session:
        events = {(e.field, e.new_value, e.actor_id) for e in session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == number))}
        assert {("organization", "Acme", None), ("contract", "Acme hardware", None), ("sla_policy", "Acme gold", None)} <= events
        acme = session.scalars(select(Organization).where(Organization.name == "Acme")).one()
        assert [member.email for member in acme.members] == ["alice@acme.example"], "the domain is a rule, not a membership"


def test_a_reply_keeps_the_ticket_where_it_was_filed(helpdesk: Runtime, gateway: Gateway) -> None:
    number = _mail(gateway, "alice@acme.example", IT_HELP)
    deliver(gateway, build_mail(sender="alice@acme.example", subject=f"Re: [#{number}] more", body="It is worse."))
    with helpdesk.sessions() as session:
        fields = [e.field for e in session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == number))]
    assert fields.count("organization") == 1 and fields.count("contract") == 1


def test_over_the_real_smtp_receiver(helpdesk: Runtime, smtp_receiver: Endpoint) -> None:
    with smtplib.SMTP(smtp_receiver.host, smtp_receiver.port, timeout=30) as client:
        client.sendmail("carl@lab.acme.example", [IT_HELP], build_mail(sender="carl@lab.acme.example", to=IT_HELP))
    with helpdesk.sessions() as session:
        number = session.scalars(select(TicketEvent.ticket_id).where(TicketEvent.field == "contract")).one()
    assert _filed(helpdesk, number) == Filed("Acme Lab", "Acme hardware", "Acme gold")


def _choices(page: str) -> set[str]:
    return set(re.findall(r'<option[^>]*value="([^"]*)"', page))


def test_the_portal_offers_what_the_contracts_cover(helpdesk: Runtime) -> None:
    app = make_app(helpdesk)
    alice, sid = signed_in(app, "alice@acme.example"), signed_in(app, "sid@nowhere.example")
    assert _choices(alice.get("/portal/new").get_data(as_text=True)) >= {"", "IT", "IT/Hardware", "IT/Accounts"}
    assert not _choices(alice.get("/portal/new").get_data(as_text=True)) & {"Facilities", "Facilities/Keys"}
    assert _choices(sid.get("/portal/new").get_data(as_text=True)) >= {"Facilities", "Facilities/Keys", "IT/Hardware"}
    fields = {"title": "Broken dock", "description": "The dock is dead.", "priority": "medium", "catalog": "Facilities/Keys"}
    refused = send(alice, "/portal/new", fields)
    assert refused.status_code == 400
    assert "catalog" in field_errors(refused)
    accepted = send(alice, "/portal/new", {**fields, "catalog": "IT/Hardware"})
    assert accepted.status_code == 303
    number = int(accepted.headers["Location"].rsplit("/", 1)[1])
    assert _filed(helpdesk, number) == Filed("Acme", "Acme hardware", "Acme gold")
    other = send(sid, "/portal/new", fields)
    assert other.status_code == 303
    assert _filed(helpdesk, int(other.headers["Location"].rsplit("/", 1)[1])) == Filed(None, None, None)


def test_the_service_refuses_an_uncovered_category_for_the_api_too(helpdesk: Runtime) -> None:
    """What the form's choices prevent, core.portal_intake refuses itself (the API's path),
    naming the field and writing nothing."""
    policy = WatcherPolicy((), frozenset({SUPPORT}))
    request = PortalRequest(title="Keys", description="Lost my keys.")
    with unit_of_work(helpdesk.sessions) as session:
        alice = get_user(session, "alice@acme.example")
        with pytest.raises(RequestInvalid) as refused:
            open_from_portal(session, alice, replace(request, catalog=resolve_path(session, "Facilities/Keys")), policy,
                             support_address=SUPPORT)  # fmt: skip
        assert set(refused.value.errors) == {"catalog"}
        assert session.scalars(select(Ticket.id)).all() == []
        ticket = open_from_portal(session, alice, request, policy, support_address=SUPPORT)
        assert ticket.contract_id is None, "no category: no contract covers it (none covers everything)"
        acme = session.scalars(select(Organization).where(Organization.name == "Acme")).one()
        assert ticket.organization_id == acme.id
