"""The API and organizations, on SQLite and PostgreSQL: the catalog a client may open tickets
under is the portal form's (what their organizations' contracts cover), a category no contract
of theirs covers is refused naming the field the client sent (`category`), and a customer
manager lists their organizations' tickets with `tab=organization`, described in the
OpenAPI document.

The world: the catalog IT (Hardware with Laptops, Accounts) and Facilities (Keys); Acme
(acme.example) with "Acme IT", covering the IT group, whose customer manager is Boss; Globex
(globex.example) with "Globex hardware", covering the category IT/Hardware only; Sid belongs
to no organization."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from core.catalog import add_path, resolve_path
from core.contracts import ContractTerms, save_contract
from core.db import unit_of_work
from core.models import Contract, Organization, Role, Ticket
from core.organizations import add_member, add_organization, set_domains
from core.runtime import Runtime
from core.tickets import get_ticket
from core.users import add_user
from tests.api_helpers import API, bearer, error_of, personal_token
from tests.portal_helpers import signed_in
from tests.test_web_auth import PASSWORD
from tests.web_helpers import make_app

ALICE, BOB, BOSS = "alice@acme.example", "bob@acme.example", "boss@acme.example"
GINA, SID = "gina@globex.example", "sid@nowhere.example"
CATALOG = ("IT", "IT/Hardware", "IT/Hardware/Laptops", "IT/Accounts", "Facilities", "Facilities/Keys")


@pytest.fixture
def world(runtime: Runtime) -> Runtime:
    with unit_of_work(runtime.sessions) as session:
        users = {email: add_user(session, email, role=Role.CLIENT, password=PASSWORD) for email in (ALICE, BOB, BOSS, GINA, SID)}
        for path in CATALOG:
            add_path(session, path)
        acme, globex = add_organization(session, "Acme"), add_organization(session, "Globex")
        set_domains(session, acme, ["acme.example"])
        set_domains(session, globex, ["globex.example"])
        add_member(session, acme, users[ALICE])
        it, hardware = resolve_path(session, "IT"), resolve_path(session, "IT/Hardware")
        assert hardware.category is not None
        save_contract(session, acme, ContractTerms("Acme IT", groups=(it.group,), customer_managers=(users[BOSS],)))
        save_contract(session, globex, ContractTerms("Globex hardware", categories=(hardware.category,)))
    return runtime


@pytest.fixture
def app(world: Runtime) -> Flask:
    return make_app(world)


def _as(world: Runtime, email: str) -> dict[str, str]:
    return bearer(personal_token(world, email))


def _tree(catalog: dict[str, Any]) -> list[tuple[str, bool, list[tuple[str, bool, list[str]]]]]:
    """(path, choosable, [(path, choosable, [subcategory paths])]) per group."""
    return [
        (group["path"], group["choosable"],
         [(category["path"], category["choosable"], [sub["path"] for sub in category["subcategories"]])
          for category in group["categories"]])
        for group in catalog["groups"]
    ]  # fmt: skip


def _choosable(catalog: dict[str, Any]) -> set[str]:
    nodes = [node for group in catalog["groups"] for node in (group, *group["categories"])]
    nodes += [sub for group in catalog["groups"] for category in group["categories"] for sub in category["subcategories"]]
    return {node["path"] for node in nodes if node["choosable"]}


def _portal_choices(client: FlaskClient) -> set[str]:
    select_html = re.search(r'<select[^>]*name="catalog".*?</select>', client.get("/portal/new").get_data(as_text=True), re.DOTALL)
    assert select_html is not None
    return set(re.findall(r'<option[^>]*value="([^"]+)"', select_html.group(0)))


EXPECTED_TREES = {
    ALICE: [("IT", True, [("IT/Hardware", True, ["IT/Hardware/Laptops"]), ("IT/Accounts", True, [])])],
    GINA: [("IT", False, [("IT/Hardware", True, ["IT/Hardware/Laptops"])])],
    SID: [("IT", True, [("IT/Hardware", True, ["IT/Hardware/Laptops"]), ("IT/Accounts", True, [])]),
          ("Facilities", True, [("Facilities/Keys", True, [])])],
}  # fmt: skip


@pytest.mark.parametrize("email", list(EXPECTED_TREES))
def test_the_catalog_is_what_the_portal_form_offers(world: Runtime, app: Flask, email: str) -> None:
    """Alice's contract covers one group, Gina's one category of it (the group is listed for it
    but cannot be chosen itself), Sid has none and may choose anything."""
    catalog = app.test_client().get(f"{API}/catalog", headers=_as(world, email)).get_json()
    assert _tree(catalog) == EXPECTED_TREES[email]
    assert _choosable(catalog) == _portal_choices(signed_in(app, email))


def _open(app: Flask, world: Runtime, email: str, category: str | None, title: str = "Broken") -> Any:
    body = {"title": title, "description": "It is broken.", "category": category}
    return app.test_client().post(f"{API}/tickets", json=body, headers=_as(world, email))


def _tickets(world: Runtime) -> int:
    with world.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Ticket)) or 0)


@pytest.mark.parametrize(("email", "category"), [(ALICE, "Facilities/Keys"), (GINA, "IT"), (GINA, "IT/Accounts")])
def test_an_uncovered_category_is_refused_naming_the_field_sent(world: Runtime, app: Flask, email: str, category: str) -> None:
    refused = _open(app, world, email, category)
    assert refused.status_code == 422
    error = error_of(refused)
    assert list(error["fields"]) == ["category"], error
    assert "not covered by your organization's contracts" in error["fields"]["category"]
    assert error["message"].startswith("category: "), error
    assert _tickets(world) == 0, "nothing was written"


def test_a_covered_category_is_filed_under_the_contract(world: Runtime, app: Flask) -> None:
    created = _open(app, world, GINA, "IT/Hardware/Laptops")
    assert created.status_code == 201, created.get_json()
    with world.sessions() as session:
        ticket = get_ticket(session, created.get_json()["number"])
        assert session.get_one(Organization, ticket.organization_id).name == "Globex"
        assert session.get_one(Contract, ticket.contract_id).name == "Globex hardware"


def _listed(app: Flask, world: Runtime, email: str, tab: str) -> set[int]:
    answer = app.test_client().get(f"{API}/tickets", query_string={"tab": tab}, headers=_as(world, email))
    assert answer.status_code == 200, answer.get_json()
    return {ticket["number"] for ticket in answer.get_json()["tickets"]}


def test_a_customer_manager_lists_the_organizations_tickets(world: Runtime, app: Flask) -> None:
    """Alice (a member) and Bob (by his mail domain) are Acme's; Sid's and Gina's are not.
    Bob, a plain client of Acme, has an empty organization list, as anyone who manages nothing."""
    numbers = {email: _open(app, world, email, None, f"Request of {email}").get_json()["number"] for email in (ALICE, BOB, GINA, SID)}
    assert _listed(app, world, BOSS, "organization") == {numbers[ALICE], numbers[BOB]}
    assert _listed(app, world, BOSS, "mine") == set()
    assert _listed(app, world, BOB, "organization") == set()
    assert _listed(app, world, BOB, "mine") == {numbers[BOB]}
    seen = app.test_client().get(f"{API}/tickets/{numbers[ALICE]}", headers=_as(world, BOSS))
    assert seen.status_code == 200 and seen.get_json()["requester"] == ALICE
    assert app.test_client().get(f"{API}/tickets/{numbers[SID]}", headers=_as(world, BOSS)).status_code == 404


def test_the_document_describes_the_organization_tab(app: Flask) -> None:
    document = app.test_client().get(f"{API}/openapi.json").get_json()
    [tab] = [item for item in document["paths"]["/tickets"]["get"]["parameters"] if item["name"] == "tab"]
    enum = document["components"]["schemas"][tab["schema"]["$ref"].rsplit("/", 1)[-1]]["enum"]
    assert enum == ["mine", "watching", "organization"]
    assert "`organization`: a customer manager's" in tab["description"]
