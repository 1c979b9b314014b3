"""The access matrix: every persona × every action on tickets of several organizations, one of
them nested, through the real pages (the staff panel for staff, the portal for everyone else),
with real sign-ins and CSRF tokens, on SQLite and PostgreSQL.

The world: Acme (contract "Acme support", customer manager Boss, support manager Sam) with
Acme Lab under it (its own contract "Lab devices", customer manager Lena); Globex (contract
"Globex all"). Tickets come in by mail and are filed by the intake: Alice's (Acme), Lara's
(Acme Lab), Gina's (Globex), and a stranger's (no organization). Each has a public reply and
an internal note by an agent.

An allowed change is proven by its effect (the comment is there, the status moved), a refused
one by a 404 (a ticket the persona cannot see), a 403 (the panel, for non-staff) or by nothing
having changed (a portal "close" by someone who may see but not close the ticket)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask.testing import FlaskClient
from sqlalchemy import or_, select

from core.contracts import ContractTerms, save_contract
from core.db import unit_of_work
from core.models import Message, MessageKind, Role, Status, Ticket
from core.organizations import add_member, add_organization, set_domains
from core.runtime import Runtime
from core.ticket_queries import capped_count
from core.tickets import MessageBody, add_message, get_ticket
from core.users import add_user, get_user
from mailgateway.intake import Gateway
from tests.mail_fixtures import build_mail, deliver
from tests.test_web_auth import PASSWORD
from tests.web_helpers import client_for, make_app, post, text

ADMIN, AGENT, SUPPORT_MANAGER = "admin@helpdesk.example", "agent@helpdesk.example", "sam@helpdesk.example"
PARENT_MANAGER, CHILD_MANAGER = "boss@acme.example", "lena@acme.example"
CLIENT, LAB_CLIENT, OTHER_CLIENT, STRANGER = "alice@acme.example", "lara@acme.example", "gina@globex.example", "sid@nowhere.example"
STAFF = {ADMIN: Role.ADMIN, AGENT: Role.AGENT, SUPPORT_MANAGER: Role.AGENT}
CLIENTS = (PARENT_MANAGER, CHILD_MANAGER, CLIENT, LAB_CLIENT, OTHER_CLIENT)
TICKET_OF = {"acme": CLIENT, "lab": LAB_CLIENT, "globex": OTHER_CLIENT, "none": STRANGER}


@dataclass(frozen=True)
class OrgWorld:
    runtime: Runtime
    tickets: dict[str, int]
    """Ticket number by key: acme, lab, globex, none."""
    organizations: dict[str, int]
    contracts: dict[str, int]


def build_world(runtime: Runtime, gateway: Gateway) -> OrgWorld:
    """The people, organizations and contracts, then one mail per ticket through the intake."""
    with unit_of_work(runtime.sessions) as session:
        users = {email: add_user(session, email, role=role, password=PASSWORD) for email, role in STAFF.items()}
        users |= {email: add_user(session, email, role=Role.CLIENT, password=PASSWORD) for email in CLIENTS}
        acme = add_organization(session, "Acme")
        lab = add_organization(session, "Acme Lab", parent=acme)
        globex = add_organization(session, "Globex")
        set_domains(session, acme, ["acme.example"])
        set_domains(session, globex, ["globex.example"])
        for organization, email in ((acme, CLIENT), (lab, LAB_CLIENT), (lab, CHILD_MANAGER), (globex, OTHER_CLIENT)):
            add_member(session, organization, users[email])
        contracts = {
            "acme": save_contract(session, acme, ContractTerms(
                "Acme support", customer_managers=(users[PARENT_MANAGER],), support_managers=(users[SUPPORT_MANAGER],))),
            "lab": save_contract(session, lab, ContractTerms("Lab devices", customer_managers=(users[CHILD_MANAGER],))),
            "globex": save_contract(session, globex, ContractTerms("Globex all")),
        }  # fmt: skip
        organizations = {"acme": acme.id, "lab": lab.id, "globex": globex.id}
        contract_ids = {key: contract.id for key, contract in contracts.items()}
    tickets = {}
    for key, sender in TICKET_OF.items():
        result = deliver(gateway, build_mail(sender=sender, subject=f"Request of {key}", body=f"Help for {key}, please."))
        assert result.ticket is not None, result
        tickets[key] = result.ticket
    with unit_of_work(runtime.sessions) as session:
        agent = get_user(session, AGENT)
        for key, number in tickets.items():
            ticket = get_ticket(session, number)
            add_message(session, ticket, author=agent, kind=MessageKind.WEB, body=MessageBody(text=f"public-reply-{key}"))
            add_message(session, ticket, author=agent, kind=MessageKind.NOTE, body=MessageBody(text=f"internal-note-{key}"))
    return OrgWorld(runtime, tickets, organizations, contract_ids)


@pytest.fixture
def org_world(runtime: Runtime, gateway: Gateway) -> OrgWorld:
    return build_world(runtime, gateway)


def test_the_intake_filed_each_ticket_under_its_organization_and_contract(org_world: OrgWorld) -> None:
    """The matrix stands on this: membership wins (Lara is at acme.example, but a member of the
    Lab), the nearest contract wins, a stranger belongs nowhere."""
    with org_world.runtime.sessions() as session:
        filed = {key: (get_ticket(session, number).organization_id, get_ticket(session, number).contract_id)
                 for key, number in org_world.tickets.items()}  # fmt: skip
    organizations, contracts = org_world.organizations, org_world.contracts
    assert filed == {
        "acme": (organizations["acme"], contracts["acme"]),
        "lab": (organizations["lab"], contracts["lab"]),
        "globex": (organizations["globex"], contracts["globex"]),
        "none": (None, None),
    }


LIST, VIEW, COMMENT, CHANGE_STATUS, NOTES = "list", "view", "comment", "change status", "see internal notes"
ACTIONS = (LIST, VIEW, NOTES, COMMENT, CHANGE_STATUS)
"""In this order: the changes come last, the status change (which may close the ticket) at the end."""
ALL = frozenset(ACTIONS)
TALK = frozenset({LIST, VIEW, COMMENT})
OWN = frozenset({LIST, VIEW, COMMENT, CHANGE_STATUS})
NOTHING: frozenset[str] = frozenset()

EXPECTED: dict[str, dict[str, frozenset[str]]] = {
    ADMIN: {"acme": ALL, "lab": ALL, "globex": ALL, "none": ALL},
    AGENT: {"acme": ALL, "lab": ALL, "globex": ALL, "none": ALL},
    SUPPORT_MANAGER: {"acme": ALL, "lab": ALL, "globex": ALL, "none": ALL},
    CHILD_MANAGER: {"acme": NOTHING, "lab": TALK, "globex": NOTHING, "none": NOTHING},
    PARENT_MANAGER: {"acme": TALK, "lab": TALK, "globex": NOTHING, "none": NOTHING},
    CLIENT: {"acme": OWN, "lab": NOTHING, "globex": NOTHING, "none": NOTHING},
    OTHER_CLIENT: {"acme": NOTHING, "lab": NOTHING, "globex": OWN, "none": NOTHING},
}
PERSONAS = {
    "admin": ADMIN, "agent": AGENT, "support manager": SUPPORT_MANAGER, "customer manager": CHILD_MANAGER,
    "customer manager of the parent organization": PARENT_MANAGER, "plain client": CLIENT,
    "client of another organization": OTHER_CLIENT,
}  # fmt: skip

_LINK = {"panel": re.compile(r'href="/admin/tickets/(\d+)"'), "portal": re.compile(r'href="/portal/tickets/(\d+)"')}


class Persona:
    """One signed-in person doing each action through the pages of their side."""

    def __init__(self, world: OrgWorld, client: FlaskClient, email: str) -> None:
        self.world, self.client, self.email = world, client, email
        self.side = "panel" if email in STAFF else "portal"
        self.base = "/admin/tickets" if self.side == "panel" else "/portal/tickets"

    def listed(self) -> set[int]:
        pages = ["/admin/tickets"] if self.side == "panel" else ["/portal/tickets", "/portal/watching", "/portal/organization"]
        numbers: set[int] = set()
        for page in pages:
            response = self.client.get(page)
            assert response.status_code in (200, 404), (page, response.status_code)
            numbers |= {int(found) for found in _LINK[self.side].findall(response.get_data(as_text=True))}
        return numbers

    def page(self, number: int) -> tuple[int, str]:
        response = self.client.get(f"{self.base}/{number}")
        return response.status_code, response.get_data(as_text=True)

    def _status(self, number: int) -> Status:
        with self.world.runtime.sessions() as session:
            return get_ticket(session, number).status

    def _comments(self, number: int) -> list[str]:
        with self.world.runtime.sessions() as session:
            return list(session.scalars(select(Message.text).where(Message.ticket_id == number)))

    def comment(self, number: int) -> bool:
        text = f"comment by {self.email}"
        field = "reply-body" if self.side == "panel" else "body"
        response = post(self.client, f"{self.base}/{number}/reply", {field: text})
        assert response.status_code in (303, 404), response.status_code
        landed = text in self._comments(number)
        assert landed is (response.status_code == 303), "a 303 means the comment is there, a 404 that nothing was written"
        return landed

    def change_status(self, number: int) -> bool:
        before = self._status(number)
        if self.side == "panel":
            response = post(self.client, f"{self.base}/{number}/status", {"status-status": Status.IN_PROGRESS.value})
        else:
            response = post(self.client, f"{self.base}/{number}/close")
        assert response.status_code in (303, 404), response.status_code
        return self._status(number) is not before


def perform(persona: Persona, action: str, key: str) -> bool:
    """Whether the persona could do `action` to the ticket `key`."""
    number = persona.world.tickets[key]
    checks: dict[str, Callable[[], bool]] = {
        LIST: lambda: number in persona.listed(),
        VIEW: lambda: persona.page(number)[0] == 200,
        NOTES: lambda: f"internal-note-{key}" in persona.page(number)[1],
        COMMENT: lambda: persona.comment(number),
        CHANGE_STATUS: lambda: persona.change_status(number),
    }
    return checks[action]()


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_access_matrix(org_world: OrgWorld, persona: str) -> None:
    email = PERSONAS[persona]
    me = Persona(org_world, client_for(make_app(org_world.runtime), email), email)
    found = {key: frozenset(action for action in ACTIONS if perform(me, action, key)) for key in TICKET_OF}
    assert found == EXPECTED[email]
    if me.side == "portal":
        for number in org_world.tickets.values():
            assert me.client.get(f"/admin/tickets/{number}").status_code == 403, "the panel is for staff only"


def test_what_a_visible_page_shows_a_customer_manager(org_world: OrgWorld) -> None:
    """The public conversation of a colleague's ticket, no internal note, no close button, and
    the way back to the organization's list."""
    client = client_for(make_app(org_world.runtime), PARENT_MANAGER)
    page = client.get(f"/portal/tickets/{org_world.tickets['lab']}").get_data(as_text=True)
    assert "public-reply-lab" in page and "internal-note-lab" not in page
    assert "This is solved" not in page
    assert 'href="/portal/organization"' in page
    listing = text(client.get("/portal/organization"))
    assert "My organization's requests (2)" in " ".join(re.sub(r"<[^>]+>", " ", listing).split())


def test_a_big_list_counts_up_to_the_cap(org_world: OrgWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    """The heading stops counting at the cap (1,000; 1 here) and says so."""
    monkeypatch.setattr("core.portal_tickets.COUNT_CAP", 1)
    monkeypatch.setattr("webadmin.portal.lists.COUNT_CAP", 1)
    listing = text(client_for(make_app(org_world.runtime), PARENT_MANAGER).get("/portal/organization"))
    assert "My organization's requests (1+)" in " ".join(re.sub(r"<[^>]+>", " ", listing).split())
    assert len(set(_LINK["portal"].findall(listing))) == 2, "the list itself is not capped"


@pytest.mark.parametrize("cap", [1, 2, 3, 10])
def test_a_capped_count_of_an_or_counts_each_ticket_once(org_world: OrgWorld, cap: int) -> None:
    """The Acme ticket is of both alternatives (its organization and its contract), the Lab
    ticket of one: two tickets, whatever way the count is split, up to the cap + 1."""
    either = or_(
        Ticket.organization_id.in_([org_world.organizations["acme"], org_world.organizations["lab"]]),
        Ticket.contract_id == org_world.contracts["acme"],
    )
    with org_world.runtime.sessions() as session:
        assert session.scalar(capped_count([either], cap)) == min(2, cap + 1)
