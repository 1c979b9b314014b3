"""The portal's new-request form through the Flask test client, on SQLite and PostgreSQL:
the same rules and acknowledgement as a mail, the catalog cascade's choices, priorities,
watchers, files, and bad input that writes nothing."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from core.catalog import resolve_path
from core.db import unit_of_work
from core.models import (
    Attachment,
    Message,
    MessageKind,
    OutboxMessage,
    Priority,
    Source,
    Status,
    Ticket,
    TicketEvent,
    TicketTag,
)
from core.rules.spec import ActionSpec, ConditionSpec, RuleSpec
from core.rules.store import save_rule
from core.runtime import Runtime
from tests.portal_helpers import (
    ALICE,
    CAROL,
    add_people,
    field_errors,
    make_app,
    send,
    signed_in,
    text,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
MIB = 1024 * 1024


@pytest.fixture
def app(runtime: Runtime) -> Flask:
    add_people(runtime)
    return make_app(runtime)


@pytest.fixture
def alice(app: Flask) -> FlaskClient:
    return signed_in(app, ALICE)


def _form(**fields: str) -> dict[str, str]:
    return {"title": "My laptop does not boot", "description": "Black screen since this morning.", "priority": "medium",
            "catalog": "", "watchers": ""} | fields  # fmt: skip


def _counts(runtime: Runtime) -> tuple[int, int, int]:
    """Tickets, messages and outbox rows: all zero after a refused form."""
    with runtime.sessions() as session:
        return tuple(session.scalar(select(func.count()).select_from(model)) or 0 for model in (Ticket, Message, OutboxMessage))  # type: ignore[return-value]


def test_new_request_runs_the_routing_rules_and_is_acknowledged(runtime: Runtime, alice: FlaskClient) -> None:
    with unit_of_work(runtime.sessions) as session:
        rule = RuleSpec(
            "laptops", (ConditionSpec("subject", {"op": "contains", "value": "laptop"}),),
            (ActionSpec("set_category", {"path": "IT/Hardware/Laptops"}), ActionSpec("add_tag", {"tag": "hardware"})),
        )  # fmt: skip
        save_rule(session, rule)

    response = send(alice, "/portal/new", _form(priority="high"))

    assert response.status_code == 303
    with runtime.sessions() as session:
        ticket = session.scalars(select(Ticket)).one()
        assert response.headers["Location"] == f"/portal/tickets/{ticket.id}"
        assert (ticket.source, ticket.status, ticket.priority) == (Source.WEB, Status.NEW, Priority.HIGH)
        assert ticket.category_path == "IT/Hardware/Laptops"
        assert ticket.requester.email == ALICE
        assert [(m.kind, m.text) for m in ticket.messages] == [(MessageKind.WEB, "Black screen since this morning.")]
        assert session.get(TicketTag, (ticket.id, "hardware")) is not None
        rules = session.scalars(select(TicketEvent.new_value).where(TicketEvent.field == "rule")).all()
        assert rules == ["laptops"]
        outbox = session.scalars(select(OutboxMessage)).all()
        assert [(row.template, row.recipients, row.ticket_id) for row in outbox] == [("ticket_received", ALICE, ticket.id)]
        assert f"[#{ticket.id}]" in outbox[0].subject
    page = alice.get(response.headers["Location"])
    assert "Black screen since this morning." in text(page)
    assert "We have mailed you a confirmation." in text(page)


def test_the_requesters_category_and_priority_are_kept_when_no_rule_decides(runtime: Runtime, alice: FlaskClient) -> None:
    response = send(alice, "/portal/new", _form(catalog="Facilities/Keys", priority="low"))
    assert response.status_code == 303
    with runtime.sessions() as session:
        ticket = session.scalars(select(Ticket)).one()
        assert (ticket.priority, ticket.category_path) == (Priority.LOW, "Facilities/Keys")


def test_a_rules_priority_and_category_win_over_the_requesters(runtime: Runtime, alice: FlaskClient) -> None:
    """The requester's choice is like a recipient-address route: the admins' rules refine it."""
    with unit_of_work(runtime.sessions) as session:
        save_rule(session, RuleSpec("vip", (ConditionSpec("sender_domain", {"op": "equals", "value": "corp.example"}),),
                                    (ActionSpec("set_priority", {"priority": "urgent"}), ActionSpec("set_category", {"path": "IT/Accounts"}))))  # fmt: skip
    send(alice, "/portal/new", _form(catalog="Facilities/Keys", priority="low"))
    with runtime.sessions() as session:
        ticket = session.scalars(select(Ticket)).one()
        assert (ticket.priority, ticket.category_path) == (Priority.URGENT, "IT/Accounts")


def test_only_active_catalog_entries_are_offered_and_accepted(runtime: Runtime, alice: FlaskClient) -> None:
    with unit_of_work(runtime.sessions) as session:
        resolve_path(session, "Facilities/Keys").category.active = False  # type: ignore[union-attr]
    page = text(alice.get("/portal/new"))
    assert "IT / Hardware / Laptops" in page and "Facilities / Keys" not in page
    assert re.search(r'<option[^>]*value=""[^>]*>Not sure', page)

    response = send(alice, "/portal/new", _form(catalog="Facilities/Keys"))
    assert response.status_code == 400
    assert field_errors(response) == {"catalog": ["Not a valid choice."]}
    assert _counts(runtime) == (0, 0, 0)


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"priority": "urgent"}, {"priority": ["Not a valid choice."]}),
        ({"title": "  ", "description": ""}, {"title": ["Give your request a short title."], "description": ["Describe what you need."]}),
        ({"title": "x" * 501}, {"title": ["Field cannot be longer than 500 characters."]}),
        ({"watchers": "carol@corp.example, eve@evil.example, nonsense"},
         {"watchers": ["eve@evil.example: watchers must have an address at corp.example. nonsense is not an email address."]}),
        ({"watchers": "support@helpdesk.example.com"}, {"watchers": ["support@helpdesk.example.com is the helpdesk's own address."]}),
    ],
)  # fmt: skip
def test_bad_input_is_shown_next_to_its_field_keeps_what_was_typed_and_writes_nothing(
    runtime: Runtime, alice: FlaskClient, fields: dict[str, str], errors: dict[str, list[str]]
) -> None:
    response = send(alice, "/portal/new", _form(**fields))
    assert response.status_code == 400
    assert field_errors(response) == errors
    page = text(response)
    assert "Black screen since this morning." in page or fields.get("description") == ""
    assert "Please check the fields marked below." in page
    assert _counts(runtime) == (0, 0, 0)


def test_watchers_from_the_form_follow_the_ticket(runtime: Runtime, app: Flask, alice: FlaskClient) -> None:
    send(alice, "/portal/new", _form(watchers="Carol@corp.example;\nnew.colleague@corp.example"))
    with runtime.sessions() as session:
        ticket = session.scalars(select(Ticket)).one()
        assert [user.email for user in ticket.watchers] == [CAROL, "new.colleague@corp.example"]
    watching = text(signed_in(app, CAROL).get("/portal/watching"))
    assert "My laptop does not boot" in watching


@pytest.mark.parametrize(("action", "verdict"), [("spam", "take this request for unwanted mail"), ("ignore", "set this kind of request aside")])
def test_a_spam_or_ignore_rule_refuses_the_request_with_a_message(runtime: Runtime, alice: FlaskClient, action: str, verdict: str) -> None:
    with unit_of_work(runtime.sessions) as session:
        save_rule(session, RuleSpec("lottery", (ConditionSpec("subject", {"op": "regex", "value": "you (have )?won"}),), (ActionSpec(action),)))
    response = send(alice, "/portal/new", _form(title="You have won a prize"), [(PNG, "prize.png")])
    assert response.status_code == 400
    assert f"The helpdesk's filter rules {verdict}, so no ticket was opened." in text(response)
    assert "If that is a mistake, write to support@helpdesk.example.com." in text(response)
    assert "You have won a prize" in text(response), "what was typed is kept"
    assert _counts(runtime) == (0, 0, 0)


def test_several_files_are_attached_with_the_type_their_content_proves(runtime: Runtime, alice: FlaskClient) -> None:
    files = [(PNG, "screen.png"), (PDF, "report.pdf"), (b"plain words", "notes.txt"), (b"<html>not a png</html>", "fake.png")]
    assert send(alice, "/portal/new", _form(), files).status_code == 303
    with runtime.sessions() as session:
        rows = session.execute(select(Attachment.filename, Attachment.content_type, Attachment.size, Attachment.sha256)).all()
    assert [(name, ctype, size) for name, ctype, size, _ in rows] == [
        ("screen.png", "image/png", len(PNG)),
        ("report.pdf", "application/pdf", len(PDF)),
        ("notes.txt", "text/plain", 11),
        ("fake.png", "application/octet-stream", 22),
    ]
    assert all(runtime.blobs.get(sha256) for *_, sha256 in rows)


@pytest.mark.parametrize(
    ("files", "error"),
    [
        ([(b"x" * (25 * MIB + 1), "huge.iso")], "huge.iso is 25.0 MiB; the limit is 25 MiB per file."),
        ([(b"x", f"f{n}.txt") for n in range(10)], "At most 10 files at a time; you chose 11."),
        ([(b"@echo off", "setup.bat")], "setup.bat: .bat files can run programs and are not accepted."),
        ([(b"MZ\x90\x00" + b"\x00" * 60, "invoice.pdf")], "invoice.pdf is a Windows program, which is not accepted (whatever its name)."),
        ([(b"\x7fELF\x02\x01", "photo.jpg")], "photo.jpg is a Linux program, which is not accepted (whatever its name)."),
    ],
)
def test_refused_files_are_named_next_to_the_field_and_nothing_is_stored(
    runtime: Runtime, alice: FlaskClient, files: list[tuple[bytes, str]], error: str
) -> None:
    response = send(alice, "/portal/new", _form(), [(PNG, "fine.png"), *files])
    assert response.status_code == 400
    assert field_errors(response) == {"files": [error]}
    assert "Please choose your files again" in text(response)
    assert _counts(runtime) == (0, 0, 0)
    assert not runtime.blobs.root.exists() or not any(path.is_file() for path in runtime.blobs.root.rglob("*"))


def test_every_file_problem_is_listed(alice: FlaskClient) -> None:
    response = send(alice, "/portal/new", _form(), [(b"@echo off", "a.cmd"), (b"#!/bin/sh\n", "b.txt")])
    assert field_errors(response)["files"] == [
        "a.cmd: .cmd files can run programs and are not accepted.",
        "b.txt is a script, which is not accepted (whatever its name).",
    ]


def test_the_form_needs_its_csrf_token(runtime: Runtime, alice: FlaskClient) -> None:
    assert send(alice, "/portal/new", _form(), with_token=False).status_code == 400
    assert _counts(runtime) == (0, 0, 0)
