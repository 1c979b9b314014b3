"""The staff panel and the portal through the Flask test client: who sees what, and how files are served."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from core.db import unit_of_work
from core.models import Attachment, MessageKind, Role, Source, Status
from core.runtime import Runtime
from core.tickets import MessageBody, NewAttachment, add_message, change_status, get_ticket, open_ticket
from core.users import get_user
from tests.test_web_auth import make_user, sign_in
from webadmin import create_app

AGENT = "agent@corp.example"
ALICE = "alice@corp.example"
BOB = "bob@corp.example"


@pytest.fixture
def client(runtime: Runtime) -> FlaskClient:
    app: Flask = create_app(runtime)
    app.config["TESTING"] = True
    return app.test_client()


@pytest.fixture
def people(runtime: Runtime) -> None:
    make_user(runtime, AGENT, Role.AGENT)
    make_user(runtime, ALICE, Role.CLIENT)
    make_user(runtime, BOB, Role.CLIENT, password=None)


@pytest.fixture
def agent(people: None, client: FlaskClient) -> FlaskClient:
    sign_in(client, AGENT)
    return client


@pytest.fixture
def alice(people: None, client: FlaskClient) -> FlaskClient:
    sign_in(client, ALICE)
    return client


def open_for(runtime: Runtime, requester: str, title: str, body: MessageBody | None = None) -> int:
    with unit_of_work(runtime.sessions) as session:
        ticket = open_ticket(
            session,
            requester=get_user(session, requester),
            title=title,
            body=body or MessageBody(text=f"About: {title}"),
            source=Source.EMAIL,
            message_kind=MessageKind.EMAIL_IN,
        )
        return ticket.id


def add_note(runtime: Runtime, number: int, text: str, kind: MessageKind = MessageKind.NOTE) -> None:
    with unit_of_work(runtime.sessions) as session:
        ticket = get_ticket(session, number)
        add_message(session, ticket, author=get_user(session, AGENT), kind=kind, body=MessageBody(text=text))


def set_status(runtime: Runtime, number: int, status: Status) -> None:
    with unit_of_work(runtime.sessions) as session:
        change_status(session, get_ticket(session, number), status, actor=None)


def with_attachment(runtime: Runtime, filename: str, content_type: str, data: bytes) -> int:
    """A ticket with one attached file, stored the way intake stores it; the attachment's id."""
    stored = runtime.blobs.put(data)
    attachment = NewAttachment(filename=filename, content_type=content_type, size=stored.size, sha256=stored.sha256)
    number = open_for(runtime, ALICE, "With a file", MessageBody(text="see attached", attachments=(attachment,)))
    with runtime.sessions() as session:
        return get_ticket(session, number).messages[0].attachments[0].id


@pytest.mark.parametrize("path", ["/admin/", "/admin/tickets", "/admin/tickets/1", "/admin/attachments/1"])
def test_client_is_forbidden_in_the_staff_panel(alice: FlaskClient, path: str) -> None:
    response = alice.get(path)
    assert response.status_code == 403
    assert "Not allowed" in response.get_data(as_text=True)


def test_admin_root_is_the_dashboard(agent: FlaskClient) -> None:
    response = agent.get("/admin/")
    assert response.status_code == 200 and "<h1>Dashboard</h1>" in response.get_data(as_text=True)


def test_agent_sees_the_list_most_recently_updated_first(runtime: Runtime, agent: FlaskClient) -> None:
    older = open_for(runtime, ALICE, "Printer jammed")
    newer = open_for(runtime, BOB, "VPN <b>down</b>")
    page = agent.get("/admin/tickets").get_data(as_text=True)
    assert page.index(f"#{newer}") < page.index(f"#{older}")
    assert "VPN &lt;b&gt;down&lt;/b&gt;" in page
    assert ALICE in page and "Unassigned" in page
    add_note(runtime, older, "still on it")
    page = agent.get("/admin/tickets").get_data(as_text=True)
    assert page.index(f"#{older}") < page.index(f"#{newer}")


def test_status_filter(runtime: Runtime, agent: FlaskClient) -> None:
    open_one = open_for(runtime, ALICE, "Still open")
    done = open_for(runtime, ALICE, "All done")
    set_status(runtime, done, Status.RESOLVED)
    resolved = agent.get("/admin/tickets?status=resolved").get_data(as_text=True)
    assert "All done" in resolved and "Still open" not in resolved
    still_open = agent.get("/admin/tickets?status=open").get_data(as_text=True)
    assert "Still open" in still_open and "All done" not in still_open
    assert f'href="/admin/tickets/{open_one}"' in still_open
    assert agent.get("/admin/tickets?status=bogus").status_code == 400


def test_ticket_page_shows_the_conversation_in_order(runtime: Runtime, agent: FlaskClient) -> None:
    html = "<p>The printer shows <b>E-42</b>.</p>"
    number = open_for(runtime, ALICE, "Printer <script>", MessageBody(text="The printer shows E-42.", html=html))
    add_note(runtime, number, "Internal: toner supplier called")
    add_note(runtime, number, "Status changed", MessageKind.SYSTEM)
    response = agent.get(f"/admin/tickets/{number}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"<title>#{number} Printer &lt;script&gt; · Postdesk</title>" in page
    assert html in page  # the sanitised HTML, as it is
    assert 'class="body body-text plain" hidden>The printer shows E-42.' in page
    assert "data-toggle-body" in page
    assert 'class="message kind-note internal"' in page
    assert 'class="message kind-system internal"' in page
    assert page.index("E-42") < page.index("toner supplier") < page.index("Status changed")


def test_unknown_ticket_is_404(agent: FlaskClient) -> None:
    response = agent.get("/admin/tickets/999")
    assert response.status_code == 404
    assert "Not found" in response.get_data(as_text=True)


PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63f8cfc0f01f0005000201a1e4a6090000000049454e44ae426082"
)


@pytest.mark.parametrize(
    "filename, content_type, data, disposition, served",
    [
        ("report.pdf", "application/pdf", b"%PDF-1.4\n%%EOF\n", "inline", "application/pdf"),
        ("dot.png", "image/png", PNG, "inline", "image/png"),
        ("page.html", "text/html", b"<script>alert(1)</script>", "attachment", "text/html"),
        ("logo.svg", "image/svg+xml", b"<svg onload='alert(1)'/>", "attachment", "image/svg+xml"),
        ("notes.txt", "text/plain", b"plain notes", "attachment", "text/plain"),
        ("odd", "not a type", b"\x00\x01", "attachment", "application/octet-stream"),
    ],
)
def test_attachment_download_headers(
    runtime: Runtime, agent: FlaskClient, filename: str, content_type: str, data: bytes, disposition: str, served: str
) -> None:
    attachment_id = with_attachment(runtime, filename, content_type, data)
    response = agent.get(f"/admin/attachments/{attachment_id}")
    assert response.status_code == 200
    assert response.data == data
    assert response.mimetype == served
    assert response.headers["Content-Disposition"] == f"{disposition}; filename={filename}"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "private" in response.headers["Cache-Control"]


def test_attachment_names_are_encoded_and_missing_blobs_are_404(runtime: Runtime, agent: FlaskClient) -> None:
    attachment_id = with_attachment(runtime, "../Prüfbericht\r\n.pdf", "application/pdf", b"%PDF-1.7")
    response = agent.get(f"/admin/attachments/{attachment_id}")
    assert "filename*=UTF-8''Pr%C3%BCfbericht.pdf" in response.headers["Content-Disposition"]
    runtime.blobs.path(runtime.blobs.put(b"%PDF-1.7").sha256).unlink()
    assert agent.get(f"/admin/attachments/{attachment_id}").status_code == 404
    assert agent.get("/admin/attachments/999").status_code == 404


def test_inline_cid_image_points_at_its_attachment(runtime: Runtime, agent: FlaskClient) -> None:
    stored = runtime.blobs.put(PNG)
    logo = NewAttachment("logo.png", "image/png", stored.size, stored.sha256, content_id="logo@corp", inline=True)
    html = '<p>Our logo: <img src="cid:logo@corp" alt="logo"> and <img src="cid:unknown" alt="x"></p>'
    number = open_for(runtime, ALICE, "Inline image", MessageBody(text="Our logo", html=html, attachments=(logo,)))
    page = agent.get(f"/admin/tickets/{number}").get_data(as_text=True)
    with runtime.sessions() as session:
        attachment_id = session.scalars(select(Attachment.id)).one()
    assert f'<img src="/admin/attachments/{attachment_id}" alt="logo">' in page
    assert '<img src="cid:unknown" alt="x">' in page


def test_portal_lists_only_your_own_tickets(runtime: Runtime, alice: FlaskClient) -> None:
    mine = open_for(runtime, ALICE, "My laptop is slow")
    theirs = open_for(runtime, BOB, "Bob's secret request")
    page = alice.get("/portal/tickets").get_data(as_text=True)
    assert "My laptop is slow" in page and "secret" not in page
    assert alice.get(f"/portal/tickets/{mine}").status_code == 200
    assert alice.get(f"/portal/tickets/{theirs}").status_code == 404
    assert alice.get("/portal/tickets/999").status_code == 404
    assert alice.get("/portal/").headers["Location"] == "/portal/tickets"


def test_portal_shows_public_messages_only(runtime: Runtime, alice: FlaskClient) -> None:
    number = open_for(runtime, ALICE, "Monitor flickers")
    add_note(runtime, number, "Internal: user broke it twice already")
    add_note(runtime, number, "We are sending a new cable.", MessageKind.WEB)
    page = alice.get(f"/portal/tickets/{number}").get_data(as_text=True)
    assert "About: Monitor flickers" in page
    assert "We are sending a new cable." in page
    assert "broke it" not in page
