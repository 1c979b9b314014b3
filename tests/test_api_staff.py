"""The staff's ticket routes: the role check, the panel's filters and keyset pages, and each
action through the same services as the panel (status table, audit events, mails)."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from core.db import unit_of_work
from core.models import OutboxMessage, Priority
from core.runtime import Runtime
from core.tickets import get_ticket, set_priority
from tests.api_helpers import (
    AGENT,
    ALICE,
    API,
    BOB,
    add_people,
    bearer,
    error_of,
    make_app,
    open_as,
    personal_token,
)

STAFF_ROUTES = [
    ("GET", "/admin/tickets", None),
    ("GET", "/admin/tickets/{n}", None),
    ("PUT", "/admin/tickets/{n}/assign", {"assignee": None}),
    ("PUT", "/admin/tickets/{n}/status", {"status": "resolved"}),
    ("PUT", "/admin/tickets/{n}/priority", {"priority": "low"}),
    ("PUT", "/admin/tickets/{n}/category", {"category": None}),
    ("POST", "/admin/tickets/{n}/notes", {"text": "note"}),
    ("POST", "/admin/tickets/{n}/replies", {"text": "reply"}),
    ("GET", "/admin/reports/volume", None),
    ("GET", "/admin/reports/sla", None),
]
ADMIN_ROUTES = [
    ("GET", "/admin/catalog", None),
    ("POST", "/admin/catalog/groups", {"name": "HR"}),
    ("PUT", "/admin/catalog/groups/1", {"active": False}),
    ("DELETE", "/admin/catalog/subcategories/1", None),
    ("GET", "/admin/users", None),
    ("POST", "/admin/users", {"email": "new@corp.example"}),
    ("GET", "/admin/users/1", None),
    ("PUT", "/admin/users/1", {"name": "X"}),
    ("GET", "/admin/rules", None),
    ("PUT", "/admin/rules", {"rules": []}),
]


@pytest.fixture
def app(runtime: Runtime) -> Flask:
    add_people(runtime)
    return make_app(runtime)


@pytest.mark.parametrize(("method", "path", "body"), STAFF_ROUTES + ADMIN_ROUTES)
def test_clients_get_403_and_change_nothing(app: Flask, runtime: Runtime, method: str, path: str, body: object) -> None:
    number = open_as(runtime, ALICE, "Mine")
    response = app.test_client().open(
        f"{API}{path.format(n=number)}", method=method, json=body, headers=bearer(personal_token(runtime, ALICE))
    )
    assert response.status_code == 403
    assert error_of(response)["code"] == "forbidden"
    with runtime.sessions() as session:
        assert get_ticket(session, number).status.value == "new"
        assert len(get_ticket(session, number).messages) == 1


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ROUTES)
def test_agents_get_403_on_admin_routes(app: Flask, runtime: Runtime, method: str, path: str, body: object) -> None:
    response = app.test_client().open(f"{API}{path}", method=method, json=body, headers=bearer(personal_token(runtime, AGENT)))
    assert response.status_code == 403


def test_the_list_filters_like_the_panel_and_pages_by_keyset(app: Flask, runtime: Runtime) -> None:
    printers = [open_as(runtime, ALICE, f"Printer {index} jammed") for index in range(3)]
    vpn = open_as(runtime, BOB, "VPN drops", text="the tunnel closes every hour")
    with unit_of_work(runtime.sessions) as session:
        set_priority(session, get_ticket(session, vpn), Priority.URGENT, actor=None)
    client, agent = app.test_client(), bearer(personal_token(runtime, AGENT))
    client.put(f"{API}/admin/tickets/{printers[1]}/assign", json={"assignee": AGENT}, headers=agent)

    def numbers(**query: object) -> list[int]:
        response = client.get(f"{API}/admin/tickets", query_string=query, headers=agent)
        assert response.status_code == 200, response.get_json()
        return [ticket["number"] for ticket in response.get_json()["tickets"]]

    assert numbers(assignee="me") == [printers[1]]
    assert numbers(assignee=AGENT) == [printers[1]]
    assert set(numbers(assignee="unassigned")) == {printers[0], printers[2], vpn}
    assert numbers(priority="urgent") == [vpn]
    assert numbers(requester="bob@") == [vpn]
    assert numbers(status="assigned") == [printers[1]]
    assert set(numbers(status="open")) == {*printers, vpn}
    assert numbers(q="tunnel") == [vpn]
    assert numbers(sort="priority")[0] == vpn
    first = client.get(f"{API}/admin/tickets", query_string={"limit": 3, "sort": "created"}, headers=agent).get_json()
    rest = client.get(f"{API}/admin/tickets", query_string={"limit": 3, "sort": "created", "cursor": first["next_cursor"]}, headers=agent).get_json()
    assert [t["number"] for t in first["tickets"] + rest["tickets"]] == [vpn, *reversed(printers)]
    assert rest["next_cursor"] is None
    unknown = client.get(f"{API}/admin/tickets", query_string={"assignee": ALICE}, headers=agent)
    assert unknown.status_code == 422 and "assignee" in error_of(unknown)["fields"]


def test_actions_use_the_services_events_and_mails(app: Flask, runtime: Runtime) -> None:
    number = open_as(runtime, ALICE, "Monitor flickers")
    client, agent = app.test_client(), bearer(personal_token(runtime, AGENT))
    assigned = client.put(f"{API}/admin/tickets/{number}/assign", json={"assignee": AGENT}, headers=agent).get_json()
    assert (assigned["assignee"], assigned["status"]) == (AGENT, "assigned")
    assert client.put(f"{API}/admin/tickets/{number}/assign", json={"assignee": BOB}, headers=agent).status_code == 422
    assert client.put(f"{API}/admin/tickets/{number}/priority", json={"priority": "high"}, headers=agent).get_json()["priority"] == "high"
    filed = client.put(f"{API}/admin/tickets/{number}/category", json={"category": "IT/Hardware"}, headers=agent)
    assert filed.get_json()["category"] == "IT/Hardware"
    assert client.put(f"{API}/admin/tickets/{number}/category", json={"category": "Nope"}, headers=agent).status_code == 422
    noted = client.post(f"{API}/admin/tickets/{number}/notes", json={"text": "Cable is loose"}, headers=agent)
    assert noted.status_code == 201 and noted.get_json()["messages"][-1]["kind"] == "note"
    replied = client.post(f"{API}/admin/tickets/{number}/replies", json={"text": "Please check the cable."}, headers=agent)
    assert replied.status_code == 201 and replied.get_json()["first_response_at"] is not None
    resolved = client.put(f"{API}/admin/tickets/{number}/status", json={"status": "resolved"}, headers=agent)
    assert resolved.get_json()["status"] == "resolved"
    closed = client.put(f"{API}/admin/tickets/{number}/status", json={"status": "closed"}, headers=agent).get_json()
    illegal = client.put(f"{API}/admin/tickets/{number}/status", json={"status": "new"}, headers=agent)
    assert illegal.status_code == 409 and "cannot move" in error_of(illegal)["message"]
    fields = [(event["field"], event["new"]) for event in closed["events"]]
    assert ("assignee", AGENT) in fields and ("priority", "high") in fields and ("status", "closed") in fields
    assert all(event["actor"] == AGENT for event in closed["events"] if event["field"] != "created")
    seen_by_alice = client.get(f"{API}/tickets/{number}", headers=bearer(personal_token(runtime, ALICE))).get_json()
    assert "Cable is loose" not in str(seen_by_alice) and "Please check the cable." in str(seen_by_alice)
    with runtime.sessions() as session:
        mails = list(session.scalars(select(OutboxMessage).where(OutboxMessage.ticket_id == number)))
        assert any(mail.template == "staff_reply" and ALICE in mail.recipients for mail in mails)
        assert not any("Cable is loose" in mail.body_text for mail in mails)


def test_reports_are_the_report_pages_tables(app: Flask, runtime: Runtime) -> None:
    for index in range(3):
        open_as(runtime, ALICE, f"Request {index}")
    client, agent = app.test_client(), bearer(personal_token(runtime, AGENT))
    volume = client.get(f"{API}/admin/reports/volume", headers=agent)
    assert volume.status_code == 200
    report = volume.get_json()
    assert report["name"] == "volume" and report["title"] == "Volume"
    tables = {table["key"]: table for table in report["tables"]}
    channels = {row[0]: row[1] for row in tables["by_channel"]["rows"]}
    assert channels == {"Mail": 3}
    over_time = tables["over_time"]
    assert over_time["columns"][1] == "Created" and sum(row[1] for row in over_time["rows"]) == 3
    for name in ("speed", "agents", "sla"):
        assert client.get(f"{API}/admin/reports/{name}", headers=agent).status_code == 200
    backwards = client.get(f"{API}/admin/reports/volume", query_string={"start": "2026-02-01", "end": "2026-01-01"}, headers=agent)
    assert backwards.status_code == 422 and "ends before it starts" in error_of(backwards)["message"]
    assert client.get(f"{API}/admin/reports/nothing", headers=agent).status_code == 404
