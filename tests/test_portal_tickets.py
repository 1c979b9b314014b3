"""Following tickets in the portal, on SQLite and PostgreSQL: the two lists with search and
pages, the public conversation and its files, replies, closing and reopening, and that
nobody reaches a ticket (or a file) that is not theirs."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from core.db import unit_of_work
from core.models import Attachment, Message, MessageKind, Status, Ticket, utcnow
from core.runtime import Runtime
from core.tickets import (
    MessageBody,
    NewAttachment,
    add_message,
    assign,
    change_status,
    get_ticket,
)
from core.users import get_user
from tests.portal_helpers import (
    ADA,
    ALICE,
    BOB,
    CAROL,
    add_people,
    field_errors,
    make_app,
    open_as,
    send,
    signed_in,
    text,
)

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture
def app(runtime: Runtime) -> Flask:
    add_people(runtime)
    return make_app(runtime)


@pytest.fixture
def alice(app: Flask) -> FlaskClient:
    return signed_in(app, ALICE)


@pytest.fixture
def bob(app: Flask) -> FlaskClient:
    return signed_in(app, BOB)


def _status(runtime: Runtime, number: int, status: Status, *, assignee: str | None = None) -> None:
    with unit_of_work(runtime.sessions) as session:
        ticket = get_ticket(session, number)
        agent = get_user(session, ADA)
        if assignee:
            assign(session, ticket, get_user(session, assignee), actor=agent)
        change_status(session, ticket, status, actor=agent)


def _message(runtime: Runtime, number: int, text: str, kind: MessageKind, files: tuple[NewAttachment, ...] = ()) -> int:
    """A message by Ada; the id of its first attachment (0 if none)."""
    with unit_of_work(runtime.sessions) as session:
        message = add_message(session, get_ticket(session, number), author=get_user(session, ADA), kind=kind,
                              body=MessageBody(text=text, attachments=files))  # fmt: skip
        return message.attachments[0].id if message.attachments else 0


def _file(runtime: Runtime, name: str, content: bytes = PDF) -> NewAttachment:
    stored = runtime.blobs.put(content)
    return NewAttachment(name, "application/pdf", stored.size, stored.sha256)


def _status_of(runtime: Runtime, number: int) -> Status:
    with runtime.sessions() as session:
        return get_ticket(session, number).status


def _numbers(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'href="/portal/tickets/(\d+)"', page)]


def test_my_requests_and_the_watching_tab(runtime: Runtime, app: Flask, alice: FlaskClient) -> None:
    mine = open_as(runtime, ALICE, "My laptop is slow", watchers=[CAROL])
    theirs = open_as(runtime, BOB, "Bob's secret request")
    page = text(alice.get("/portal/tickets"))
    assert "My laptop is slow" in page and "secret" not in page
    assert "New" in page and "Updated" in page

    carol = signed_in(app, CAROL)
    assert _numbers(carol.get("/portal/watching").get_data(as_text=True)) == [mine]
    assert _numbers(carol.get("/portal/tickets").get_data(as_text=True)) == []
    assert carol.get(f"/portal/tickets/{mine}").status_code == 200
    assert carol.get(f"/portal/tickets/{theirs}").status_code == 404
    assert alice.get("/portal/").headers["Location"] == "/portal/tickets"


def test_the_list_is_last_updated_first_in_pages_of_25(runtime: Runtime, alice: FlaskClient) -> None:
    numbers = [open_as(runtime, ALICE, f"Request {n}") for n in range(30)]
    with unit_of_work(runtime.sessions) as session:  # distinct, known update times
        for offset, number in enumerate(numbers):
            session.execute(update(Ticket).where(Ticket.id == number).values(updated_at=utcnow() - timedelta(minutes=offset)))
    first = alice.get("/portal/tickets").get_data(as_text=True)
    assert _numbers(first) == numbers[:25]
    older = re.search(r'href="(/portal/tickets\?older=[^"]+)"', first)
    assert older and "?newer=" not in first
    second = alice.get(older.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert _numbers(second) == numbers[25:]
    newer = re.search(r'href="(/portal/tickets\?newer=[^"]+)"', second)
    assert newer and "?older=" not in second
    assert _numbers(alice.get(newer.group(1).replace("&amp;", "&")).get_data(as_text=True)) == numbers[:25]
    assert alice.get("/portal/tickets?older=garbage").status_code == 400


def test_search_finds_titles_public_messages_and_numbers_but_never_notes(runtime: Runtime, alice: FlaskClient) -> None:
    printer = open_as(runtime, ALICE, "Printer jammed on floor 3")
    vpn = open_as(runtime, ALICE, "VPN drops", text="It disconnects every hour")
    open_as(runtime, BOB, "Printer of Bob")
    _message(runtime, vpn, "Ticket holder is grumpy", MessageKind.NOTE)
    _message(runtime, printer, "We ordered a new fuser unit", MessageKind.WEB)

    def found(query: str) -> list[int]:
        return sorted(_numbers(alice.get("/portal/tickets", query_string={"q": query}).get_data(as_text=True)))

    assert found("printer") == [printer]
    assert found("disconnects") == [vpn]
    assert found("fuser") == [printer]
    assert found(f"#{vpn}") == [vpn]
    assert found("grumpy") == [], "an internal note must not be searchable by the requester"
    assert "Nothing matches “grumpy”." in text(alice.get("/portal/tickets?q=grumpy"))


def test_the_ticket_page_shows_the_public_conversation_and_its_files_only(runtime: Runtime, alice: FlaskClient) -> None:
    number = open_as(runtime, ALICE, "Monitor flickers")
    public_file = _message(runtime, number, "We are sending a new cable.", MessageKind.WEB, (_file(runtime, "cable.pdf"),))
    note_file = _message(runtime, number, "Internal: user broke it twice", MessageKind.NOTE, (_file(runtime, "quote.pdf", PDF + b"x"),))
    page = text(alice.get(f"/portal/tickets/{number}"))
    assert "We are sending a new cable." in page and "cable.pdf" in page
    assert "broke it" not in page and "quote.pdf" not in page
    download = alice.get(f"/portal/attachments/{public_file}")
    assert (download.status_code, download.mimetype, download.data) == (200, "application/pdf", PDF)
    assert alice.get(f"/portal/attachments/{note_file}").status_code == 404


def test_a_reply_with_files_reopens_a_resolved_ticket(runtime: Runtime, alice: FlaskClient) -> None:
    number = open_as(runtime, ALICE, "Wi-Fi is gone")
    _status(runtime, number, Status.RESOLVED, assignee=ADA)
    response = send(alice, f"/portal/tickets/{number}/reply", {"body": "Still broken, see the log."},
                    [(b"log line\n", "wifi.log"), (PDF, "scan.pdf")], token_from=f"/portal/tickets/{number}")  # fmt: skip
    assert response.status_code == 303
    assert response.headers["Location"].startswith(f"/portal/tickets/{number}#message-")
    assert _status_of(runtime, number) is Status.IN_PROGRESS
    with runtime.sessions() as session:
        message = session.scalars(select(Message).order_by(Message.id.desc())).first()
        assert message is not None
        assert (message.kind, message.text, message.author.email if message.author else None) == (MessageKind.WEB, "Still broken, see the log.", ALICE)
        assert [(a.filename, a.size) for a in message.attachments] == [("wifi.log", 9), ("scan.pdf", len(PDF))]


def test_a_watcher_may_reply(runtime: Runtime, app: Flask) -> None:
    number = open_as(runtime, ALICE, "Shared drive is full", watchers=[CAROL])
    _status(runtime, number, Status.WAITING_ON_CUSTOMER)
    carol = signed_in(app, CAROL)
    assert send(carol, f"/portal/tickets/{number}/reply", {"body": "Same for me."}, token_from=f"/portal/tickets/{number}").status_code == 303
    assert _status_of(runtime, number) is Status.NEW


def test_an_empty_reply_is_refused_next_to_the_field(runtime: Runtime, alice: FlaskClient) -> None:
    number = open_as(runtime, ALICE, "Mouse")
    response = send(alice, f"/portal/tickets/{number}/reply", {"body": "   "}, token_from=f"/portal/tickets/{number}")
    assert response.status_code == 400
    assert field_errors(response) == {"body": ["Write something first."]}


def test_close_and_reopen_where_the_status_table_allows(runtime: Runtime, alice: FlaskClient) -> None:
    number = open_as(runtime, ALICE, "Keyboard")
    page = text(alice.get(f"/portal/tickets/{number}"))
    assert "This is solved: close it" in page and "reopen" not in page

    _status(runtime, number, Status.RESOLVED, assignee=ADA)
    page = text(alice.get(f"/portal/tickets/{number}"))
    assert "Not solved: reopen" in page
    assert send(alice, f"/portal/tickets/{number}/reopen", token_from=f"/portal/tickets/{number}").status_code == 303
    assert _status_of(runtime, number) is Status.IN_PROGRESS

    refused = send(alice, f"/portal/tickets/{number}/reopen", token_from=f"/portal/tickets/{number}")
    assert refused.status_code == 303
    assert "there is nothing to reopen" in text(alice.get(refused.headers["Location"]))

    assert send(alice, f"/portal/tickets/{number}/close", token_from=f"/portal/tickets/{number}").status_code == 303
    assert _status_of(runtime, number) is Status.CLOSED
    page = text(alice.get(f"/portal/tickets/{number}"))
    assert "This request is closed." in page and "Send reply" not in page and "close it" not in page
    late = send(alice, f"/portal/tickets/{number}/reply", {"body": "One more thing"}, token_from=f"/portal/tickets/{number}")
    assert late.status_code == 400
    assert f"ticket #{number} is closed" in text(late)


def test_a_watcher_cannot_close_the_requesters_ticket(runtime: Runtime, app: Flask) -> None:
    number = open_as(runtime, ALICE, "Projector", watchers=[CAROL])
    carol = signed_in(app, CAROL)
    assert "close it" not in text(carol.get(f"/portal/tickets/{number}"))
    send(carol, f"/portal/tickets/{number}/close", token_from=f"/portal/tickets/{number}")
    assert _status_of(runtime, number) is Status.NEW


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/portal/tickets/{n}"),
        ("POST", "/portal/tickets/{n}/reply"),
        ("POST", "/portal/tickets/{n}/close"),
        ("POST", "/portal/tickets/{n}/reopen"),
        ("GET", "/portal/attachments/{a}"),
    ],
)
def test_another_clients_ticket_is_404_everywhere(runtime: Runtime, bob: FlaskClient, method: str, path: str) -> None:
    number = open_as(runtime, ALICE, "Alice's payslip question")
    _status(runtime, number, Status.RESOLVED)
    attachment = _message(runtime, number, "Here is your payslip", MessageKind.WEB, (_file(runtime, "payslip.pdf"),))
    url = path.format(n=number, a=attachment)
    if method == "GET":
        response = bob.get(url)
    else:
        response = send(bob, url, {"body": "Let me in"}, [(PDF, "x.pdf")])
    assert response.status_code == 404
    assert "payslip" not in response.get_data(as_text=True)
    assert _status_of(runtime, number) is Status.RESOLVED
    with runtime.sessions() as session:
        assert len(session.scalars(select(Message).where(Message.ticket_id == number)).all()) == 2


def test_a_missing_ticket_or_file_is_404_too(alice: FlaskClient) -> None:
    assert alice.get("/portal/tickets/999").status_code == 404
    assert alice.get("/portal/attachments/999").status_code == 404


def test_clients_never_reach_staff_pages(runtime: Runtime, alice: FlaskClient) -> None:
    number = open_as(runtime, ALICE, "Mine, even so")
    attachment = _message(runtime, number, "file", MessageKind.WEB, (_file(runtime, "a.pdf"),))
    for path in ("/admin/tickets", f"/admin/tickets/{number}", f"/admin/attachments/{attachment}"):
        assert alice.get(path).status_code == 403, path


def test_anonymous_visitors_are_sent_to_sign_in(app: Flask) -> None:
    anonymous = app.test_client()
    for path in ("/portal/tickets", "/portal/watching", "/portal/new", "/portal/tickets/1", "/portal/account"):
        response = anonymous.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login?next="), path
    assert anonymous.get("/portal/claim").status_code == 200


@pytest.mark.parametrize("action", ["reply", "close", "reopen"])
def test_posts_without_the_csrf_token_are_refused(runtime: Runtime, alice: FlaskClient, action: str) -> None:
    number = open_as(runtime, ALICE, "CSRF")
    _status(runtime, number, Status.RESOLVED)
    response = send(alice, f"/portal/tickets/{number}/{action}", {"body": "forged"}, with_token=False)
    assert response.status_code == 400
    assert _status_of(runtime, number) is Status.RESOLVED
    with runtime.sessions() as session:
        assert session.scalars(select(Attachment)).all() == []
        assert len(session.scalars(select(Message).where(Message.ticket_id == number)).all()) == 1
