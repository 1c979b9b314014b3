"""Working a ticket in the staff panel through the Flask test client, on SQLite and PostgreSQL:
every action changes the ticket through the core services and writes its event; a reply with
files reaches a real SMTP relay; refusals are shown next to their field and change nothing;
bulk actions report the tickets they could not change; merge; saved views."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from core.catalog import add_path
from core.config import Settings, load_settings
from core.db import unit_of_work
from core.models import LinkKind, MessageKind, OutboxMessage, Role, Status, TicketEvent, TicketLink
from core.runtime import Runtime
from core.tickets import get_ticket
from core.users import get_user
from postdesk.worker.delivery import deliver_due
from postdesk.worker.transports import SmtpRelay
from tests.db_fixtures import environment_for
from tests.relay import Relay
from tests.test_web_admin import open_for, set_status
from tests.test_web_auth import make_user, sign_in
from webadmin import create_app

AGENT, ADMIN, ALICE, BOB = "agent@corp.example", "admin@corp.example", "alice@corp.example", "bob@corp.example"


@pytest.fixture
def app(runtime: Runtime) -> Flask:
    app = create_app(runtime)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def people(runtime: Runtime) -> None:
    make_user(runtime, AGENT, Role.AGENT)
    make_user(runtime, ADMIN, Role.ADMIN)
    make_user(runtime, ALICE, Role.CLIENT)
    make_user(runtime, BOB, Role.CLIENT, password=None)


@pytest.fixture
def agent(people: None, app: Flask) -> FlaskClient:
    client = app.test_client()
    sign_in(client, AGENT)
    return client


def token(client: FlaskClient) -> str:
    """The session's CSRF token, as the list page renders it into its forms."""
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"',
                      client.get("/admin/tickets").get_data(as_text=True))
    assert match
    return match.group(1) or match.group(2)


def post(client: FlaskClient, path: str, prefix: str, data: dict[str, Any], **options: Any) -> TestResponse:
    """Submit a form the way the page does: its fields under `prefix-`, with the form's CSRF token."""
    form = {f"{prefix}-{name}": value for name, value in data.items()}
    return client.post(path, data={**form, f"{prefix}-csrf_token": token(client)}, **options)


def user_id(runtime: Runtime, email: str) -> int:
    with runtime.sessions() as session:
        return get_user(session, email).id


def events(runtime: Runtime, number: int) -> list[tuple[str, str | None, str | None]]:
    with runtime.sessions() as session:
        query = select(TicketEvent).where(TicketEvent.ticket_id == number).order_by(TicketEvent.id)
        return [(event.field, event.old_value, event.new_value) for event in session.scalars(query)]


def relay_settings(settings: Settings, relay: Relay) -> Settings:
    return load_settings(environment_for(settings.data_dir, settings.database_url,
                                         POSTDESK_SMTP_HOST="127.0.0.1", POSTDESK_SMTP_PORT=str(relay.port)))


def test_reply_with_two_files_is_mailed_to_the_requester(
    runtime: Runtime, settings: Settings, relay: Relay, agent: FlaskClient
) -> None:
    number = open_for(runtime, ALICE, "Printer on 3rd floor is jammed")
    files = [(io.BytesIO(b"%PDF-1.4 manual\n"), "manual.pdf", "application/pdf"),
             (io.BytesIO("Schritt 1: Fach öffnen\n".encode()), "steps.txt", "text/plain")]
    response = post(agent, f"/admin/tickets/{number}/reply", "reply", {"body": "Open tray 2, see attached.", "files": files},
                    content_type="multipart/form-data")
    assert (response.status_code, response.headers["Location"]) == (303, f"/admin/tickets/{number}")
    with runtime.sessions() as session:
        reply = get_ticket(session, number).messages[-1]
        assert (reply.kind, reply.author_id, reply.text) == (MessageKind.WEB, user_id(runtime, AGENT), "Open tray 2, see attached.")
        assert [(a.filename, a.content_type, a.size) for a in reply.attachments] == [
            ("manual.pdf", "application/pdf", 16), ("steps.txt", "text/plain", 24)]
        [row] = session.scalars(select(OutboxMessage).where(OutboxMessage.template == "staff_reply")).all()
        assert (row.recipients, row.source_message_id) == (ALICE, reply.id)
    assert events(runtime, number)[-1] == ("message", None, "web")

    assert deliver_due(runtime, SmtpRelay(relay_settings(settings, relay))) >= 1
    [mail] = [m for m in relay.received if m["To"] == ALICE and "Open tray 2" in str(m.get_body(("plain",)))]
    assert mail["Subject"] == f"[#{number}] Printer on 3rd floor is jammed"
    attached = {part.get_filename(): part.get_payload(decode=True) for part in mail.iter_attachments()}
    assert attached == {"manual.pdf": b"%PDF-1.4 manual\n", "steps.txt": "Schritt 1: Fach öffnen\n".encode()}


def test_internal_note_is_not_mailed(runtime: Runtime, agent: FlaskClient) -> None:
    number = open_for(runtime, ALICE, "VPN drops")
    assert post(agent, f"/admin/tickets/{number}/note", "reply", {"body": "Known ISP issue"}).status_code == 303
    with runtime.sessions() as session:
        assert get_ticket(session, number).messages[-1].kind is MessageKind.NOTE
        assert session.scalar(select(func.count()).where(OutboxMessage.template == "staff_reply")) == 0
    page = agent.get(f"/admin/tickets/{number}").get_data(as_text=True)
    assert 'class="message kind-note internal"' in page and "added an internal note" in page


@pytest.fixture
def catalog(runtime: Runtime) -> int:
    """Hardware/Printers/Toner; the subcategory's id."""
    with unit_of_work(runtime.sessions) as session:
        add_path(session, "Hardware")
        add_path(session, "Hardware/Printers")
        entry = add_path(session, "Hardware/Printers/Toner")
        assert entry.subcategory is not None
        return entry.subcategory.id


@pytest.mark.parametrize(
    "action, prefix, data, event",
    [
        ("assign", "assign", {"assignee": "{agent}"}, ("assignee", None, AGENT)),
        ("status", "status", {"status": "waiting_on_customer"}, ("status", "new", "waiting_on_customer")),
        ("priority", "priority", {"priority": "urgent"}, ("priority", "medium", "urgent")),
        ("category", "category", {"catalog": "s:{toner}"}, ("category", None, "Hardware/Printers/Toner")),
        ("watchers", "watcher", {"email": " Carol@Corp.Example "}, ("watcher", None, "carol@corp.example")),
        ("links", "link", {"other": "#{other}", "kind": "related"}, ("link", None, "related #{other}")),
    ],
)
def test_each_action_changes_the_ticket_and_writes_its_event(
    runtime: Runtime, agent: FlaskClient, catalog: int, action: str, prefix: str,
    data: dict[str, str], event: tuple[str, None, str],
) -> None:  # fmt: skip
    number, other = open_for(runtime, ALICE, "Toner empty"), open_for(runtime, ALICE, "Toner again")
    ids = {"agent": user_id(runtime, AGENT), "toner": catalog, "other": other}
    response = post(agent, f"/admin/tickets/{number}/{action}", prefix, {k: v.format(**ids) for k, v in data.items()})
    assert response.status_code == 303, response.get_data(as_text=True)
    field, old, new = event
    assert (field, old, new.format(**ids)) in events(runtime, number)
    page = agent.get(response.headers["Location"]).get_data(as_text=True)
    assert 'class="flash flash-success"' in page


def test_claim_and_remove_watcher(runtime: Runtime, agent: FlaskClient) -> None:
    number = open_for(runtime, ALICE, "Laptop fan")
    page = agent.get(f"/admin/tickets/{number}").get_data(as_text=True)
    assert "Assign to me" in page
    post(agent, f"/admin/tickets/{number}/assign", "assign", {"assignee": str(user_id(runtime, AGENT))})
    post(agent, f"/admin/tickets/{number}/watchers", "watcher", {"email": BOB})
    assert post(agent, f"/admin/tickets/{number}/watchers/remove", "unwatch", {"user_id": user_id(runtime, BOB)}).status_code == 303
    with runtime.sessions() as session:
        ticket = get_ticket(session, number)
        assert (ticket.assignee_id, ticket.status, ticket.watchers) == (user_id(runtime, AGENT), Status.ASSIGNED, [])
    assert ("watcher", BOB, None) in events(runtime, number)
    assert "Assign to me" not in agent.get(f"/admin/tickets/{number}").get_data(as_text=True)


@pytest.mark.parametrize(
    "action, prefix, data, error",
    [
        ("status", "status", {"status": "new"}, "Not a valid choice"),
        ("reply", "reply", {"body": "Still there?"}, "is closed; open a follow-up instead"),
        ("watchers", "watcher", {"email": "not an address"}, "is not an email address"),
        ("links", "link", {"other": "#999", "kind": "related"}, "no ticket #999"),
        ("merge", "merge", {"target": "#{number}"}, "cannot be merged into itself"),
    ],
)
def test_refusals_are_shown_next_to_the_field_and_change_nothing(
    runtime: Runtime, agent: FlaskClient, action: str, prefix: str, data: dict[str, str], error: str
) -> None:
    number = open_for(runtime, ALICE, "Closed one")
    set_status(runtime, number, Status.CLOSED)
    before = events(runtime, number)
    response = post(agent, f"/admin/tickets/{number}/{action}", prefix, {k: v.format(number=number) for k, v in data.items()})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.search(rf'<p class="field-error" id="{prefix}-\w+-error">[^<]*{re.escape(error)}', page), page
    assert 'aria-invalid="true"' in page
    assert events(runtime, number) == before


def test_a_file_over_25_mib_is_refused_before_anything_is_stored(runtime: Runtime, agent: FlaskClient) -> None:
    number = open_for(runtime, ALICE, "Big log")
    files = [(io.BytesIO(b"ok"), "small.txt"), (io.BytesIO(b"x" * (25 * 1024 * 1024 + 1)), "huge.log")]
    response = post(agent, f"/admin/tickets/{number}/reply", "reply", {"body": "logs", "files": files},
                    content_type="multipart/form-data")
    assert response.status_code == 400
    assert "huge.log is 25.0 MiB; the limit is 25 MiB per file." in response.get_data(as_text=True)
    with runtime.sessions() as session:
        assert len(get_ticket(session, number).messages) == 1
    assert not [path for path in runtime.settings.blob_dir.rglob("*") if path.is_file()]


def test_merge_moves_the_conversation_and_closes_the_merged_ticket(runtime: Runtime, agent: FlaskClient) -> None:
    target, source = open_for(runtime, ALICE, "Printer jammed"), open_for(runtime, BOB, "Printer on 3rd floor broken")
    response = post(agent, f"/admin/tickets/{source}/merge", "merge", {"target": f"#{target}"})
    assert response.headers["Location"] == f"/admin/tickets/{target}"
    with runtime.sessions() as session:
        merged, kept = get_ticket(session, source), get_ticket(session, target)
        assert merged.status is Status.CLOSED
        assert [m.kind for m in merged.messages] == [MessageKind.SYSTEM]
        assert [m.text for m in kept.messages][:2] == ["About: Printer jammed", "About: Printer on 3rd floor broken"]
        assert f"#{source} “Printer on 3rd floor broken” was merged into this ticket" in kept.messages[-1].text
        assert [w.email for w in kept.watchers] == [BOB]
        link = session.scalars(select(TicketLink)).one()
        assert (link.ticket_id, link.other_id, link.kind) == (source, target, LinkKind.MERGED_INTO)
    assert ("merged", None, f"#{source}") in events(runtime, target)
    assert ("status", "new", "closed") in events(runtime, source)
    page = agent.get(f"/admin/tickets/{target}").get_data(as_text=True)
    assert "Merged from" in page and f"merged <b>#{source}</b> into this ticket" in page


def test_bulk_actions_report_each_refused_ticket(runtime: Runtime, agent: FlaskClient) -> None:
    numbers = [open_for(runtime, ALICE, f"Bulk {n}") for n in range(3)]
    set_status(runtime, numbers[2], Status.CLOSED)
    agent_id = str(user_id(runtime, AGENT))
    page = post(agent, "/admin/tickets/bulk", "bulk", {"ids": numbers, "action": "assign", "assignee": agent_id,
                                                       "back": "/admin/tickets?status=open"}, follow_redirects=True)
    assert page.request.full_path == "/admin/tickets?status=open"
    assert f"Updated 3 ticket(s): #{numbers[0]}, #{numbers[1]}, #{numbers[2]}." in page.get_data(as_text=True)

    text = post(agent, "/admin/tickets/bulk", "bulk", {"ids": numbers, "action": "status", "status": "in_progress"},
                follow_redirects=True).get_data(as_text=True)
    assert f"Updated 2 ticket(s): #{numbers[0]}, #{numbers[1]}." in text
    assert f"Not changed: #{numbers[2]}: cannot move a ticket from closed to in_progress" in text
    post(agent, "/admin/tickets/bulk", "bulk", {"ids": numbers[:2], "action": "close"})
    post(agent, "/admin/tickets/bulk", "bulk", {"ids": numbers[:1], "action": "priority", "priority": "high"})
    with runtime.sessions() as session:
        tickets = [get_ticket(session, number) for number in numbers]
        assert [t.assignee.email if t.assignee else None for t in tickets] == [AGENT] * 3
        assert [t.status for t in tickets] == [Status.CLOSED] * 3
        assert [t.priority.value for t in tickets] == ["high", "medium", "medium"]
    assert events(runtime, numbers[0])[-3:] == [("status", "assigned", "in_progress"), ("status", "in_progress", "closed"),
                                                ("priority", "medium", "high")]


def test_saved_views_are_per_user(app: Flask, agent: FlaskClient) -> None:
    response = post(agent, "/admin/views", "view", {"name": "Urgent open", "query": "status=open&priority=urgent&after=x"})
    assert response.headers["Location"] == "/admin/tickets?status=open&priority=urgent"
    page = agent.get("/admin/tickets").get_data(as_text=True)
    assert '<a href="/admin/tickets?status=open&amp;priority=urgent">Urgent open</a>' in page
    view_id = int(re.search(r'/admin/views/(\d+)/delete', page).group(1))  # type: ignore[union-attr]
    other = app.test_client()
    sign_in(other, ADMIN)
    assert "Urgent open" not in other.get("/admin/tickets").get_data(as_text=True)
    assert other.post(f"/admin/views/{view_id}/delete", data={"csrf_token": token(other)}).status_code == 404
    assert agent.post(f"/admin/views/{view_id}/delete", data={"csrf_token": token(agent)}).status_code == 303
    assert ">Urgent open</a>" not in agent.get("/admin/tickets").get_data(as_text=True)
