"""The staff ticket page's side panel names the organization and contract the ticket is filed
under: links to their pages for admins, plain names for agents (who may not open those
pages), on SQLite and PostgreSQL, over the world of the access matrix."""

from __future__ import annotations

import html
import re

import pytest
from flask.testing import FlaskClient

from core.db import unit_of_work
from core.models import Contract
from core.runtime import Runtime
from mailgateway.intake import Gateway
from tests.test_access_matrix_orgs import ADMIN, AGENT, OrgWorld, build_world
from tests.web_helpers import client_for, make_app

_FILED = re.compile(r'<p class="person filed-(organization|contract)">(.*?)</p>', re.DOTALL)


@pytest.fixture
def org_world(runtime: Runtime, gateway: Gateway) -> OrgWorld:
    return build_world(runtime, gateway)


def _filed(client: FlaskClient, number: int) -> dict[str, str]:
    """The side panel's two lines (organization, contract): their HTML after the label."""
    page = client.get(f"/admin/tickets/{number}")
    assert page.status_code == 200
    return {kind: " ".join(line.split()).partition("<br>")[2] for kind, line in _FILED.findall(page.get_data(as_text=True))}


def _text(line: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", line)).strip()


def test_admins_get_links_to_the_organization_and_the_contract(org_world: OrgWorld) -> None:
    admin = client_for(make_app(org_world.runtime), ADMIN)
    filed = _filed(admin, org_world.tickets["lab"])
    organization, contract = f"/admin/organizations/{org_world.organizations['lab']}", f"/admin/contracts/{org_world.contracts['lab']}"
    assert f'<a href="{organization}">Acme Lab</a>' in filed["organization"]
    assert f'<a href="{contract}">Lab devices</a>' in filed["contract"]
    assert admin.get(organization).status_code == admin.get(contract).status_code == 200


def test_agents_read_the_names_without_links(org_world: OrgWorld) -> None:
    agent = client_for(make_app(org_world.runtime), AGENT)
    filed = _filed(agent, org_world.tickets["acme"])
    assert "<a " not in filed["organization"] + filed["contract"]
    assert (filed["organization"], filed["contract"]) == ("Acme", "Acme support")
    organization, contract = f"/admin/organizations/{org_world.organizations['acme']}", f"/admin/contracts/{org_world.contracts['acme']}"
    assert agent.get(organization).status_code == agent.get(contract).status_code == 403, "why agents get no links"


def test_a_ticket_filed_nowhere_and_an_inactive_contract(org_world: OrgWorld) -> None:
    admin = client_for(make_app(org_world.runtime), ADMIN)
    nowhere = _filed(admin, org_world.tickets["none"])
    assert (_text(nowhere["organization"]), _text(nowhere["contract"])) == ("None", "None")
    with unit_of_work(org_world.runtime.sessions) as session:
        session.get_one(Contract, org_world.contracts["globex"]).active = False
    globex = _filed(admin, org_world.tickets["globex"])
    assert (_text(globex["organization"]), _text(globex["contract"])) == ("Globex", "Globex all (inactive)")
