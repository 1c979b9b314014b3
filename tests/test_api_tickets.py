"""The requester's API routes: open a ticket (as a mail would), list, read and comment on one's
own tickets, uploads by content, and the catalog. Someone else's ticket is a 404."""

from __future__ import annotations

import io

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from core.catalog import resolve_path
from core.db import unit_of_work
from core.models import Message, MessageKind, OutboxMessage, Status, Ticket
from core.runtime import Runtime
from core.tickets import MessageBody, add_message, change_status, get_ticket
from core.users import get_user
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

PDF = b"%PDF-1.4 a small document"


@pytest.fixture
def app(runtime: Runtime) -> Flask:
    add_people(runtime)
    return make_app(runtime)


@pytest.fixture
def alice(runtime: Runtime) -> dict[str, str]:
    return bearer(personal_token(runtime, ALICE))


def upload(client: FlaskClient, headers: dict[str, str], content: bytes, name: str) -> tuple[int, dict[str, object]]:
    response = client.post(f"{API}/uploads", data={"file": (io.BytesIO(content), name)}, headers=headers, content_type="multipart/form-data")
    return response.status_code, response.get_json()


def test_a_new_ticket_is_routed_acknowledged_and_marked_as_from_the_api(app: Flask, runtime: Runtime, alice: dict[str, str]) -> None:
    client = app.test_client()
    status, stored = upload(client, alice, PDF, "../invoice.pdf")
    assert status == 201 and stored["content_type"] == "application/pdf" and stored["filename"] == "invoice.pdf"
    body = {"title": "Laptop will not boot", "description": "Black screen since this morning.",
            "category": "IT/Hardware/Laptops", "priority": "high", "attachments": [stored["id"]]}  # fmt: skip
    response = client.post(f"{API}/tickets", json=body, headers=alice)
    assert response.status_code == 201
    ticket = response.get_json()
    assert response.headers["Location"] == f"{API}/tickets/{ticket['number']}"
    assert (ticket["source"], ticket["priority"], ticket["category"], ticket["status"]) == ("api", "high", "IT/Hardware/Laptops", "new")
    assert ticket["messages"][0]["kind"] == "web" and ticket["messages"][0]["attachments"][0]["size"] == len(PDF)
    with runtime.sessions() as session:
        acknowledgements = session.scalars(select(OutboxMessage).where(OutboxMessage.ticket_id == ticket["number"]))
        assert any(ALICE in row.recipients for row in acknowledgements)
        assert runtime.blobs.get(session.get(Ticket, ticket["number"]).messages[0].attachments[0].sha256) == PDF  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"priority": "urgent"}, "priority"),
        ({"category": "IT/Nowhere"}, "category"),
        ({"category": "IT//"}, "category"),
        ({"title": "   "}, "title"),
        ({"watchers": ["someone@elsewhere.example"]}, "watchers"),
        ({"attachments": ["forged-upload-id"]}, "attachments.0"),
    ],
)
def test_a_refused_ticket_names_the_field_and_stores_nothing(
    app: Flask, runtime: Runtime, alice: dict[str, str], change: dict[str, object], field: str
) -> None:
    body = {"title": "Printer", "description": "Jammed.", **change}
    response = app.test_client().post(f"{API}/tickets", json=body, headers=alice)
    assert response.status_code == 422
    assert field in error_of(response)["fields"]
    with runtime.sessions() as session:
        assert session.scalar(select(Ticket.id)) is None


def test_inactive_catalog_entries_are_not_offered_nor_accepted(app: Flask, runtime: Runtime, alice: dict[str, str]) -> None:
    with unit_of_work(runtime.sessions) as session:
        resolve_path(session, "IT/Accounts").category.active = False  # type: ignore[union-attr]
    client = app.test_client()
    catalog = client.get(f"{API}/catalog", headers=alice).get_json()
    paths = [c["path"] for g in catalog["groups"] for c in g["categories"]]
    assert "IT/Hardware" in paths and "IT/Accounts" not in paths
    refused = client.post(f"{API}/tickets", json={"title": "x", "description": "y", "category": "IT/Accounts"}, headers=alice)
    assert refused.status_code == 422


def test_uploads_are_judged_by_content_and_belong_to_their_uploader(app: Flask, runtime: Runtime, alice: dict[str, str]) -> None:
    client = app.test_client()
    status, refused = upload(client, alice, b"MZ\x90\x00 a windows program", "report.pdf")
    assert status == 422 and "Windows program" in refused["error"]["fields"]["file"]  # type: ignore[index]
    assert upload(client, alice, b"hello", "run.exe")[0] == 422
    missing = client.post(f"{API}/uploads", data={}, headers=alice, content_type="multipart/form-data")
    assert missing.status_code == 400 and "file" in error_of(missing)["fields"]
    status, stored = upload(client, alice, PDF, "notes.pdf")
    assert status == 201
    bob = bearer(personal_token(runtime, BOB))
    stolen = client.post(f"{API}/tickets", json={"title": "x", "description": "y", "attachments": [stored["id"]]}, headers=bob)
    assert stolen.status_code == 422 and "attachments.0" in error_of(stolen)["fields"]


def test_mine_and_watching_with_filters_and_cursor_pages(app: Flask, runtime: Runtime, alice: dict[str, str]) -> None:
    numbers = [open_as(runtime, ALICE, f"Request {index}") for index in range(5)]
    watched = open_as(runtime, BOB, "Bob's problem", watchers=(ALICE,))
    open_as(runtime, BOB, "Not Alice's business")
    with unit_of_work(runtime.sessions) as session:
        change_status(session, get_ticket(session, numbers[0]), Status.RESOLVED, actor=get_user(session, AGENT))
    client = app.test_client()
    seen, cursor = [], None
    while True:
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get(f"{API}/tickets", query_string=query, headers=alice).get_json()
        seen += [ticket["number"] for ticket in page["tickets"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [numbers[0], *reversed(numbers[1:])], "last updated first: resolving #1 updated it"
    back = client.get(f"{API}/tickets", query_string={"limit": 2, "cursor": page["prev_cursor"]}, headers=alice).get_json()
    assert [ticket["number"] for ticket in back["tickets"]] == seen[2:4]
    resolved = client.get(f"{API}/tickets", query_string={"status": ["resolved", "closed"]}, headers=alice).get_json()
    assert [ticket["number"] for ticket in resolved["tickets"]] == [numbers[0]]
    watching = client.get(f"{API}/tickets", query_string={"tab": "watching"}, headers=alice).get_json()
    assert [ticket["number"] for ticket in watching["tickets"]] == [watched]
    bad = client.get(f"{API}/tickets", query_string={"cursor": "after:yesterday"}, headers=alice)
    assert bad.status_code == 422 and "cursor" in error_of(bad)["fields"]


def test_someone_elses_ticket_is_404_and_notes_are_never_shown(app: Flask, runtime: Runtime, alice: dict[str, str]) -> None:
    mine = open_as(runtime, ALICE, "My printer")
    theirs = open_as(runtime, BOB, "Bob's printer")
    with unit_of_work(runtime.sessions) as session:
        add_message(session, get_ticket(session, mine), author=get_user(session, AGENT), kind=MessageKind.NOTE,
                    body=MessageBody(text="Internal: the printer is beyond repair"))  # fmt: skip
    client = app.test_client()
    shown = client.get(f"{API}/tickets/{mine}", headers=alice).get_json()
    assert [message["kind"] for message in shown["messages"]] == ["email_in"]
    assert "beyond repair" not in str(shown)
    for response in (
        client.get(f"{API}/tickets/{theirs}", headers=alice),
        client.post(f"{API}/tickets/{theirs}/comments", json={"text": "Me too"}, headers=alice),
        client.get(f"{API}/tickets/99999", headers=alice),
    ):
        assert response.status_code == 404
        assert error_of(response)["code"] == "not_found"
    with runtime.sessions() as session:
        assert session.scalar(select(Message.id).where(Message.ticket_id == theirs, Message.text == "Me too")) is None


def test_a_comment_reopens_a_resolved_ticket_and_a_closed_one_takes_none(app: Flask, runtime: Runtime, alice: dict[str, str]) -> None:
    number = open_as(runtime, ALICE, "Slow VPN")
    with unit_of_work(runtime.sessions) as session:
        change_status(session, get_ticket(session, number), Status.RESOLVED, actor=get_user(session, AGENT))
    client = app.test_client()
    response = client.post(f"{API}/tickets/{number}/comments", json={"text": "Still slow."}, headers=alice)
    assert response.status_code == 201
    assert response.get_json()["status"] == "new"
    assert response.get_json()["messages"][-1]["text"] == "Still slow."
    with unit_of_work(runtime.sessions) as session:
        change_status(session, get_ticket(session, number), Status.CLOSED, actor=get_user(session, AGENT))
    closed = client.post(f"{API}/tickets/{number}/comments", json={"text": "Hello?"}, headers=alice)
    assert closed.status_code == 422 and "closed" in error_of(closed)["message"]
    empty = client.post(f"{API}/tickets/{number}/comments", json={"text": "  "}, headers=alice)
    assert empty.status_code == 422
