"""The organization and contract pages: admins only (anonymous to the login page, agents and
clients 403, for GET and POST alike), CSRF on every form, refusals next to their field with
what was typed kept (400), and the changes they make. On SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import select

from core.catalog import add_path, resolve_path
from core.contracts import ContractTerms, save_contract
from core.db import unit_of_work
from core.models import Contract, Organization, Role
from core.organizations import add_organization, set_domains
from core.runtime import Runtime
from core.users import add_user, get_user
from tests.portal_helpers import field_errors
from tests.test_web_auth import PASSWORD
from tests.web_helpers import (
    ADMIN,
    AGENT,
    CLIENT,
    add_people,
    client_for,
    flashes,
    make_app,
    post,
    text,
)

ROUTES = [
    ("GET", "/admin/organizations"),
    ("POST", "/admin/organizations"),
    ("GET", "/admin/organizations/{org}"),
    ("POST", "/admin/organizations/{org}"),
    ("POST", "/admin/organizations/{org}/members"),
    ("POST", "/admin/organizations/{org}/members/{user}/remove"),
    ("GET", "/admin/organizations/{org}/contracts/new"),
    ("POST", "/admin/organizations/{org}/contracts/new"),
    ("GET", "/admin/contracts/{contract}"),
    ("POST", "/admin/contracts/{contract}"),
]


@pytest.fixture
def app(runtime: Runtime) -> Flask:
    add_people(runtime)
    with unit_of_work(runtime.sessions) as session:
        for path in ("IT", "IT/Hardware", "Facilities"):
            add_path(session, path)
        add_user(session, "sam@corp.example", role=Role.AGENT, password=PASSWORD)
        add_user(session, "boss@acme.example", role=Role.CLIENT)
        acme = add_organization(session, "Acme")
        set_domains(session, acme, ["acme.example"])
        save_contract(session, acme, ContractTerms("Acme all"))
    return make_app(runtime)


def _ids(runtime: Runtime) -> dict[str, int]:
    with runtime.sessions() as session:
        acme = session.scalars(select(Organization).where(Organization.name == "Acme")).one()
        return {"org": acme.id, "contract": acme.contracts[0].id, "user": get_user(session, CLIENT).id}


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_only_admins_get_in(app: Flask, runtime: Runtime, method: str, path: str) -> None:
    url = path.format(**_ids(runtime))
    anonymous = client_for(app, None)
    answer = anonymous.get(url) if method == "GET" else post(anonymous, url)
    assert answer.status_code == 302 and "/login" in answer.headers["Location"]
    for email in (AGENT, CLIENT):
        client = client_for(app, email)
        answer = client.get(url) if method == "GET" else post(client, url, {"name": "Sneaky"})
        assert answer.status_code == 403, (email, url)
    if method == "GET":
        assert client_for(app, ADMIN).get(url).status_code == 200
    with runtime.sessions() as session:
        assert session.scalars(select(Organization.name)).all() == ["Acme"], "nobody but an admin changed anything"


def test_posts_without_a_csrf_token_are_refused(app: Flask, runtime: Runtime) -> None:
    admin = client_for(app, ADMIN)
    for method, path in ROUTES:
        if method == "POST":
            assert admin.post(path.format(**_ids(runtime)), data={"name": "No token"}).status_code == 400, path
    with runtime.sessions() as session:
        assert session.scalars(select(Organization.name)).all() == ["Acme"]


def test_the_nav_shows_organizations_to_admins_only(app: Flask) -> None:
    assert 'href="/admin/organizations"' in text(client_for(app, ADMIN).get("/admin/tickets"))
    assert 'href="/admin/organizations"' not in text(client_for(app, AGENT).get("/admin/tickets"))


def test_an_admin_builds_a_tree_with_domains_and_members(app: Flask, runtime: Runtime) -> None:
    admin, acme = client_for(app, ADMIN), _ids(runtime)["org"]
    created = post(admin, "/admin/organizations", {"name": "  Acme   Lab ", "parent": str(acme), "domains": "@Lab.Acme.example\nlab2.acme.example", "active": "y"})
    assert created.status_code == 303
    tree = text(admin.get("/admin/organizations"))
    assert tree.index("Acme") < tree.index("Acme Lab"), "a parent before its children"
    with runtime.sessions() as session:
        lab = session.scalars(select(Organization).where(Organization.name == "Acme Lab")).one()
        assert lab.parent_id == acme and lab.active
        assert [item.domain for item in lab.domains] == ["lab.acme.example", "lab2.acme.example"]
    added = post(admin, f"/admin/organizations/{lab.id}/members", {"member-email": CLIENT.upper()})
    assert added.status_code == 303
    page = text(admin.get(f"/admin/organizations/{lab.id}"))
    assert CLIENT in page and "is a member now" in page
    user = _ids(runtime)["user"]
    removed = post(admin, f"/admin/organizations/{lab.id}/members/{user}/remove", follow=True)
    assert ("success", "Member removed.") in flashes(removed)
    with runtime.sessions() as session:
        assert session.get(Organization, lab.id).members == []  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"name": "acme"}, "name", "exists already"),
        ({"name": ""}, "name", "Give the organization a name."),
        ({"name": "Beta", "domains": "beta.example\nnot a domain"}, "domains", "'not' is not a mail domain"),
        ({"name": "Beta", "domains": "acme.example"}, "domains", "acme.example belongs to Acme"),
    ],
)
def test_organization_refusals_are_next_to_their_field(
    app: Flask, runtime: Runtime, fields: dict[str, str], field: str, words: str
) -> None:
    answer = post(client_for(app, ADMIN), "/admin/organizations", fields)
    assert answer.status_code == 400
    assert any(words.lower() in message.lower() for message in field_errors(answer).get(field, [])), field_errors(answer)
    assert f'value="{fields["name"]}"' in answer.get_data(as_text=True), "what was typed is kept"
    with runtime.sessions() as session:
        assert session.scalars(select(Organization.name)).all() == ["Acme"]


def test_an_organization_cannot_move_under_its_own_child(app: Flask, runtime: Runtime) -> None:
    admin, acme = client_for(app, ADMIN), _ids(runtime)["org"]
    with unit_of_work(runtime.sessions) as session:
        child = add_organization(session, "Acme Lab", parent=session.get(Organization, acme)).id
    choices = re.findall(r'<option[^>]*value="(\d*)"', text(admin.get(f"/admin/organizations/{acme}")))
    assert str(child) not in choices and str(acme) not in choices, "the form does not offer it"
    answer = post(admin, f"/admin/organizations/{acme}", {"name": "Acme", "parent": str(child), "active": "y"})
    assert answer.status_code == 400 and field_errors(answer).get("parent")
    unknown = post(admin, f"/admin/organizations/{acme}", {"name": "Acme", "parent": "999999", "active": "y"})
    assert unknown.status_code == 400 and field_errors(unknown).get("parent")
    with runtime.sessions() as session:
        assert session.get(Organization, acme).parent_id is None  # type: ignore[union-attr]


def test_a_member_must_be_a_known_address(app: Flask, runtime: Runtime) -> None:
    answer = post(client_for(app, ADMIN), f"/admin/organizations/{_ids(runtime)['org']}/members", {"member-email": "ghost@acme.example"})
    assert answer.status_code == 400
    assert "nobody with the address" in " ".join(field_errors(answer)["member-email"])


def test_an_admin_writes_a_contract(app: Flask, runtime: Runtime) -> None:
    admin, acme = client_for(app, ADMIN), _ids(runtime)["org"]
    with runtime.sessions() as session:
        it = resolve_path(session, "IT").group.id
        hardware = resolve_path(session, "IT/Hardware").category.id  # type: ignore[union-attr]
        sam = get_user(session, "sam@corp.example").id
    form = {
        "name": "Acme hardware", "coverage": [f"g:{it}", f"c:{hardware}"], "valid_from": "2026-01-01",
        "valid_until": "2026-12-31", "customer_managers": "boss@acme.example\nBOSS@acme.example", "support_managers": [str(sam)],
        "sla_policy": "", "active": "y",
    }  # fmt: skip
    created = post(admin, f"/admin/organizations/{acme}/contracts/new", form)
    assert created.status_code == 303
    with runtime.sessions() as session:
        contract = session.scalars(select(Contract).where(Contract.name == "Acme hardware")).one()
        assert [g.name for g in contract.groups] == ["IT"] and [c.name for c in contract.categories] == ["Hardware"]
        assert [u.email for u in contract.customer_managers] == ["boss@acme.example"]
        assert [u.email for u in contract.support_managers] == ["sam@corp.example"]
        assert str(contract.valid_until) == "2026-12-31" and contract.active
    page = text(admin.get(created.headers["Location"]))
    assert "boss@acme.example" in page and 'value="Acme hardware"' in page
    assert "Acme hardware" in text(admin.get(f"/admin/organizations/{acme}"))


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"name": "Acme all"}, "name", "has a contract named"),
        ({"name": "Late", "valid_from": "2026-05-02", "valid_until": "2026-05-01"}, "valid_until", "before the start"),
        ({"name": "Ghosts", "customer_managers": "ghost@acme.example"}, "customer_managers", "nobody with the address"),
        ({"name": "Clients", "support_managers": ["{client}"]}, "support_managers", "not a valid choice"),
        ({"name": "Dates", "valid_from": "tomorrow"}, "valid_from", "not a valid date"),
    ],
)
def test_contract_refusals_are_next_to_their_field(
    app: Flask, runtime: Runtime, fields: dict[str, object], field: str, words: str
) -> None:
    ids = _ids(runtime)
    data = {key: [item.format(client=ids["user"]) for item in value] if isinstance(value, list) else value
            for key, value in fields.items()}  # fmt: skip
    answer = post(client_for(app, ADMIN), f"/admin/organizations/{ids['org']}/contracts/new", data)  # type: ignore[arg-type]
    assert answer.status_code == 400
    assert any(words.lower() in message.lower() for message in field_errors(answer).get(field, [])), field_errors(answer)
    with runtime.sessions() as session:
        assert session.scalars(select(Contract.name)).all() == ["Acme all"]
