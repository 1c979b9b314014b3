"""The staff ticket list, its counts and the ticket export hold only the tickets their viewer may
see in the panel (core.permissions: core.ticket_queries.visible_in_panel), on SQLite and
PostgreSQL, over the world of the access matrix (tests/test_access_matrix_orgs.py).

Admins and agents see every ticket; a client sees none there, not even a customer manager,
whose organization's tickets are the portal's to show. The web views and the API pass the
signed-in user on: an agent's list, counts and export have all four tickets."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy.orm import Session

from core.export.tickets import Format, Scope, export_chunks
from core.portal_tickets import Tab
from core.portal_tickets import ticket_page as portal_page
from core.runtime import Runtime
from core.ticket_queries import TicketFilter, status_counts, ticket_page
from core.users import get_user
from mailgateway.intake import Gateway
from tests.api_helpers import API, bearer, personal_token
from tests.test_access_matrix_orgs import (
    ADMIN,
    AGENT,
    CLIENT,
    PARENT_MANAGER,
    SUPPORT_MANAGER,
    OrgWorld,
    build_world,
)
from tests.web_helpers import client_for, make_app


def _listed(session: Session, email: str, spec: TicketFilter | None = None) -> set[int]:
    page = ticket_page(session, spec or TicketFilter(), size=100, viewer=get_user(session, email))
    return {ticket.id for ticket in page.tickets}


def _counted(session: Session, email: str, spec: TicketFilter | None = None) -> int:
    counts = status_counts(session, spec or TicketFilter(), viewer=get_user(session, email))
    assert counts is not None
    return sum(count.count for count in counts)


def _exported(session: Session, email: str, scope: Scope) -> set[int]:
    data = b"".join(export_chunks(session, TicketFilter(), scope, Format.CSV, viewer=get_user(session, email)))
    rows = csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    return {int(row["number"] if scope is Scope.LIST else row["ticket"]) for row in rows}


@pytest.fixture
def org_world(runtime: Runtime, gateway: Gateway) -> OrgWorld:
    return build_world(runtime, gateway)


@pytest.mark.parametrize("email", [ADMIN, AGENT, SUPPORT_MANAGER])
def test_staff_see_every_ticket_in_the_list_counts_and_export(org_world: OrgWorld, email: str) -> None:
    everything = set(org_world.tickets.values())
    with org_world.runtime.sessions() as session:
        assert _listed(session, email) == everything
        assert _counted(session, email) == len(everything)
        assert _exported(session, email, Scope.LIST) == _exported(session, email, Scope.FULL) == everything


@pytest.mark.parametrize("email", [CLIENT, PARENT_MANAGER])
def test_a_client_gets_nothing_from_the_staff_list_counts_or_export(org_world: OrgWorld, email: str) -> None:
    """The condition is in the SQL: without it a client's list would hold all four tickets. A
    customer manager sees two of them in the portal, and still none through the panel's list."""
    with org_world.runtime.sessions() as session:
        me = get_user(session, email)
        in_portal = {ticket.id for tab in Tab for ticket in portal_page(session, me, tab).tickets}
        assert in_portal == ({org_world.tickets["acme"]} if email == CLIENT else {org_world.tickets["acme"], org_world.tickets["lab"]})
        assert _listed(session, email) == set()
        assert _listed(session, email, TicketFilter(text="Request")) == set(), "the search's branches are filtered too"
        assert _counted(session, email) == 0
        assert _counted(session, email, TicketFilter(text="Request")) == 0
        assert _exported(session, email, Scope.LIST) == _exported(session, email, Scope.FULL) == set()


def test_the_panel_the_api_and_the_export_pass_the_signed_in_user_on(org_world: OrgWorld) -> None:
    everything = {str(number) for number in org_world.tickets.values()}
    app = make_app(org_world.runtime)
    agent = client_for(app, AGENT)
    listing = agent.get("/admin/tickets").get_data(as_text=True)
    assert all(f'href="/admin/tickets/{number}"' in listing for number in everything)
    counts = agent.get("/admin/tickets/counts").get_json()["counts"]
    assert counts[""] == {"count": len(everything), "capped": False}
    exported = agent.get("/admin/export/tickets?format=csv&scope=list").get_data().decode("utf-8-sig")
    assert {row["number"] for row in csv.DictReader(io.StringIO(exported, newline=""))} == everything
    answer = app.test_client().get(f"{API}/admin/tickets", headers=bearer(personal_token(org_world.runtime, AGENT)))
    assert {str(ticket["number"]) for ticket in answer.get_json()["tickets"]} == everything
