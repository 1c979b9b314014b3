"""The admins' API routes: the catalog, users and routing rules, with the panels' rules."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from core.models import RoutingRule, Ticket
from core.runtime import Runtime
from tests.api_helpers import (
    ADMIN,
    AGENT,
    ALICE,
    API,
    add_people,
    bearer,
    error_of,
    make_app,
    personal_token,
)


@pytest.fixture
def app(runtime: Runtime) -> Flask:
    add_people(runtime)
    return make_app(runtime)


@pytest.fixture
def admin(runtime: Runtime) -> dict[str, str]:
    return bearer(personal_token(runtime, ADMIN))


def _group(client: FlaskClient, headers: dict[str, str], name: str) -> dict[str, object]:
    groups = client.get(f"{API}/admin/catalog", headers=headers).get_json()["groups"]
    return next(group for group in groups if group["name"] == name)


def test_catalog_add_change_and_delete(app: Flask, runtime: Runtime, admin: dict[str, str]) -> None:
    client = app.test_client()
    group = client.post(f"{API}/admin/catalog/groups", json={"name": " HR "}, headers=admin)
    assert group.status_code == 201 and group.get_json()["name"] == "HR"
    group_id = group.get_json()["id"]
    assert client.post(f"{API}/admin/catalog/groups", json={"name": "HR"}, headers=admin).status_code == 409
    category = client.post(f"{API}/admin/catalog/groups/{group_id}/categories", json={"name": "Payroll"}, headers=admin)
    assert category.status_code == 201
    category_id = category.get_json()["id"]
    sub = client.post(f"{API}/admin/catalog/categories/{category_id}/subcategories", json={"name": "Bonus"}, headers=admin)
    assert sub.status_code == 201
    assert client.post(f"{API}/admin/catalog/groups/9999/categories", json={"name": "X"}, headers=admin).status_code == 404
    assert client.post(f"{API}/admin/catalog/groups", json={"name": "A/B"}, headers=admin).status_code == 422

    changed = client.put(
        f"{API}/admin/catalog/groups/{group_id}", headers=admin,
        json={"name": "People", "display_name": "People team", "notify_new_tickets": False, "members": [AGENT]},
    )  # fmt: skip
    assert changed.status_code == 200
    assert (changed.get_json()["name"], changed.get_json()["members"]) == ("People", [AGENT])
    assert client.put(f"{API}/admin/catalog/groups/{group_id}", json={"members": [ALICE]}, headers=admin).status_code == 422
    assert client.put(f"{API}/admin/catalog/groups/{group_id}", json={"members": ["ghost@corp.example"]}, headers=admin).status_code == 422
    assert client.put(f"{API}/admin/catalog/groups/{group_id}", json={"name": "IT"}, headers=admin).status_code == 409
    renamed = client.put(f"{API}/admin/catalog/categories/{category_id}", json={"name": "Salaries", "active": False}, headers=admin)
    assert renamed.get_json() == {"id": category_id, "name": "Salaries", "active": False, "subcategories": renamed.get_json()["subcategories"]}
    client_view = client.get(f"{API}/catalog", headers=bearer(personal_token(runtime, ALICE))).get_json()
    assert "People/Salaries" not in str(client_view)

    assert client.delete(f"{API}/admin/catalog/subcategories/{sub.get_json()['id']}", headers=admin).status_code == 204
    assert client.delete(f"{API}/admin/catalog/groups/{group_id}", headers=admin).status_code == 204
    assert "People" not in str(client.get(f"{API}/admin/catalog", headers=admin).get_json())


def test_an_entry_in_use_is_not_deleted(app: Flask, runtime: Runtime, admin: dict[str, str]) -> None:
    client = app.test_client()
    ticket = client.post(
        f"{API}/tickets", json={"title": "Broken", "description": "x", "category": "Facilities"},
        headers=bearer(personal_token(runtime, ALICE)),
    )  # fmt: skip
    assert ticket.status_code == 201
    facilities = _group(client, admin, "Facilities")
    refused = client.delete(f"{API}/admin/catalog/groups/{facilities['id']}", headers=admin)
    assert refused.status_code == 409 and "deactivate" in error_of(refused)["message"]
    with runtime.sessions() as session:
        assert session.get(Ticket, ticket.get_json()["number"]).group is not None  # type: ignore[union-attr]


def test_users_list_add_read_and_change(app: Flask, runtime: Runtime, admin: dict[str, str]) -> None:
    client = app.test_client()
    added = client.post(f"{API}/admin/users", json={"email": "Dana@Corp.Example", "role": "agent", "name": "Dana"}, headers=admin)
    assert added.status_code == 201
    dana = added.get_json()
    assert (dana["email"], dana["role"], dana["has_password"]) == ("dana@corp.example", "agent", False)
    agents = client.get(f"{API}/admin/users", query_string={"role": "agent"}, headers=admin).get_json()
    assert [user["email"] for user in agents["users"]] == [AGENT, "dana@corp.example"]
    page = client.get(f"{API}/admin/users", query_string={"limit": 2}, headers=admin).get_json()
    rest = client.get(f"{API}/admin/users", query_string={"after": page["next_after"]}, headers=admin).get_json()
    assert len(page["users"]) + len(rest["users"]) == 5 and rest["next_after"] is None
    changed = client.put(f"{API}/admin/users/{dana['id']}", json={"department": "IT", "active": False}, headers=admin).get_json()
    assert (changed["name"], changed["department"], changed["active"], changed["role"]) == ("Dana", "IT", False, "agent")
    assert client.get(f"{API}/admin/users/{dana['id']}", headers=admin).get_json() == changed
    me = client.get(f"{API}/me", headers=admin).get_json()
    last_admin = client.put(f"{API}/admin/users/{me['id']}", json={"role": "client"}, headers=admin)
    assert last_admin.status_code == 422 and "only active admin" in error_of(last_admin)["message"]
    assert client.get(f"{API}/admin/users/424242", headers=admin).status_code == 404


RULES = {
    "rules": [
        {
            "name": "printers to facilities",
            "match": "any",
            "stop": True,
            "conditions": [{"kind": "subject", "params": {"op": "contains", "value": "printer", "ignore_case": True}}],
            "actions": [{"kind": "set_category", "params": {"path": "Facilities"}}, {"kind": "set_priority", "params": {"priority": "high"}}],
        }
    ]
}


def test_rules_import_export_and_an_invalid_import_changes_nothing(app: Flask, runtime: Runtime, admin: dict[str, str]) -> None:
    client = app.test_client()
    imported = client.put(f"{API}/admin/rules", json=RULES, headers=admin)
    assert imported.status_code == 200, imported.get_json()
    exported = client.get(f"{API}/admin/rules", headers=admin).get_json()
    assert exported == imported.get_json()
    assert exported["rules"][0]["name"] == "printers to facilities" and exported["rules"][0]["enabled"] is True
    ticket = client.post(
        f"{API}/tickets", json={"title": "The printer is on fire", "description": "Really."},
        headers=bearer(personal_token(runtime, ALICE)),
    ).get_json()  # fmt: skip
    assert (ticket["category"], ticket["priority"]) == ("Facilities", "high"), "the API's tickets pass through the rules"
    broken = {"rules": [RULES["rules"][0], {"name": "bad", "conditions": [{"kind": "no_such_kind"}], "actions": []}]}
    refused = client.put(f"{API}/admin/rules", json=broken, headers=admin)
    assert refused.status_code == 422
    assert "no_such_kind" in error_of(refused)["message"]
    with runtime.sessions() as session:
        assert session.scalar(select(func.count()).select_from(RoutingRule)) == 1
    assert client.put(f"{API}/admin/rules", json={"rules": []}, headers=admin).get_json() == {"rules": []}
