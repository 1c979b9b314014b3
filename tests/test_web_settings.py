"""The admins' settings pages through the Flask test client: catalog, users, mailboxes (with a
real Dovecot behind "test connection") and the notification-template editor."""

from __future__ import annotations

import uuid
from typing import TypeVar

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from core.catalog import add_path, resolve_path
from core.db import unit_of_work
from core.models import (
    Base, Category, Group, Mailbox, MailTemplate, MessageKind, OutboxMessage, RecipientRoute, Role, Source,
    TemplatePart, User,
)
from core.runtime import Runtime
from core.tickets import MessageBody, open_ticket
from mailgateway.intake import Gateway
from tests.mail_fixtures import build_mail, deliver
from tests.servers.dovecot import DovecotServer
from tests.web_helpers import ADMIN, AGENT, CLIENT, add_people, client_for, flashes, make_app, post, text

Row = TypeVar("Row", bound=Base)


@pytest.fixture
def ids(runtime: Runtime) -> dict[str, int]:
    return add_people(runtime)


@pytest.fixture
def admin(runtime: Runtime, ids: dict[str, int]) -> FlaskClient:
    return client_for(make_app(runtime), ADMIN)


def _errors(response: TestResponse) -> list[str]:
    return [words for kind, words in flashes(response) if kind == "error"]


def _get(runtime: Runtime, model: type[Row], **where: object) -> Row:
    """The one row that matches; AssertionError if there is none."""
    with runtime.sessions() as session:
        row = session.scalars(select(model).filter_by(**where)).one_or_none()
    assert row is not None, f"no {model.__name__} with {where}"
    return row


def _exists(runtime: Runtime, model: type, **where: object) -> bool:
    with runtime.sessions() as session:
        return session.scalars(select(model).filter_by(**where)).first() is not None


# -- catalog -------------------------------------------------------------------------------

def test_admin_builds_renames_and_deactivates_the_catalog(
    runtime: Runtime, ids: dict[str, int], admin: FlaskClient
) -> None:
    added = post(admin, "/admin/catalog/groups", name=" Hardware ")
    group = _get(runtime, Group, name="Hardware")
    assert added.headers["Location"] == f"/admin/catalog/groups/{group.id}"
    post(admin, f"/admin/catalog/groups/{group.id}/categories", name="Printers")
    category = _get(runtime, Category, name="Printers")
    post(admin, f"/admin/catalog/categories/{category.id}/subcategories", name="Toner")
    post(admin, f"/admin/catalog/categories/{category.id}/rename", name="Printers & Scanners")
    post(admin, f"/admin/catalog/categories/{category.id}/active", active="0")
    with runtime.sessions() as session:
        entry = resolve_path(session, "Hardware/Printers & Scanners/Toner")
        assert entry.category is not None and not entry.category.active
    page = admin.get(f"/admin/catalog/groups/{group.id}")
    assert "Printers &amp; Scanners" in page.get_data(as_text=True) and "Inactive" in text(page)
    assert "Hardware" in text(admin.get("/admin/catalog"))

    clash = post(admin, "/admin/catalog/groups", follow=True, name="Hardware")
    assert _errors(clash) == ["Hardware exists already"]
    post(admin, f"/admin/catalog/groups/{group.id}/categories", name="Laptops")
    renamed = post(admin, f"/admin/catalog/categories/{category.id}/rename", follow=True, name="Laptops")
    assert _errors(renamed) == ["'Laptops' exists already at that level"]
    slash = post(admin, f"/admin/catalog/groups/{group.id}/categories", follow=True, name="A/B")
    assert "without '/'" in _errors(slash)[0]


def test_entries_that_tickets_use_are_deactivated_never_deleted(
    runtime: Runtime, ids: dict[str, int], admin: FlaskClient
) -> None:
    with unit_of_work(runtime.sessions) as session:
        group_id = add_path(session, "Hardware").group.id
        add_path(session, "Hardware/Printers")
        entry = add_path(session, "Hardware/Laptops")
        open_ticket(session, requester=session.get_one(User, ids[CLIENT]), title="Laptop broken",
                    body=MessageBody(text="x"), source=Source.WEB, message_kind=MessageKind.WEB, catalog=entry)
    laptops = _get(runtime, Category, name="Laptops").id
    printers = _get(runtime, Category, name="Printers").id

    refused = post(admin, f"/admin/catalog/categories/{laptops}/delete", follow=True)
    assert "used by 1 ticket(s) and 0 address route(s); deactivate it instead" in _errors(refused)[0]
    assert "In use: 1 ticket" in text(refused)
    refused_group = post(admin, f"/admin/catalog/groups/{group_id}/delete", follow=True)
    assert _errors(refused_group)
    assert post(admin, f"/admin/catalog/categories/{printers}/delete").status_code == 302
    with runtime.sessions() as session:
        assert {c.name for c in session.scalars(select(Category))} == {"Laptops"}


def test_admin_assigns_agents_to_a_group(runtime: Runtime, ids: dict[str, int], admin: FlaskClient) -> None:
    post(admin, "/admin/catalog/groups", name="Hardware")
    group = _get(runtime, Group, name="Hardware")
    path = f"/admin/catalog/groups/{group.id}/settings"
    members = [str(ids[AGENT]), str(ids[ADMIN])]
    post(admin, path, display_name="Hardware Service", notify_new_tickets="on", members=members)
    with runtime.sessions() as session:
        saved = session.get_one(Group, group.id)
        assert (saved.display_name, saved.notify_new_tickets) == ("Hardware Service", True)
        assert {m.email for m in saved.members} == {AGENT, ADMIN}
    refused = post(admin, path, follow=True, display_name="x", members=[str(ids[CLIENT])])
    assert _errors(refused) == [f"only staff can be group members, not {CLIENT}"]
    post(admin, path, display_name="Hardware Service")
    with runtime.sessions() as session:
        saved = session.get_one(Group, group.id)
        assert (saved.members, saved.notify_new_tickets) == ([], False)


# -- users ---------------------------------------------------------------------------------

def test_the_user_list_shows_role_department_and_flags(
    runtime: Runtime, ids: dict[str, int], admin: FlaskClient
) -> None:
    with unit_of_work(runtime.sessions) as session:
        bounced = session.get_one(User, ids[CLIENT])
        bounced.undeliverable, bounced.department = True, "Finance"
    page = text(admin.get("/admin/users"))
    assert all(email in page for email in (ADMIN, AGENT, CLIENT))
    assert "Undeliverable" in page and "Finance" in page and "Agent" in page
    assert CLIENT not in text(admin.get("/admin/users?role=agent"))
    assert CLIENT in text(admin.get("/admin/users?q=finance"))
    assert admin.get("/admin/users?role=boss").status_code == 400


def test_admin_adds_a_user_who_gets_a_link_to_set_a_password(
    runtime: Runtime, ids: dict[str, int], admin: FlaskClient
) -> None:
    added = post(admin, "/admin/users", follow=True, email="New.Hire@Corp.Example", name="New Hire",
                 department="Sales", role="agent", send_link="on")
    assert ("success", "Added new.hire@corp.example. A link to set a password is on its way.") in flashes(added)
    user = _get(runtime, User, email="new.hire@corp.example")
    assert (user.role, user.department, user.password_hash) == (Role.AGENT, "Sales", None)
    row = _get(runtime, OutboxMessage, template="password_reset")
    assert row.recipients == "new.hire@corp.example" and row.ticket_id is None

    again = post(admin, "/admin/users", follow=True, email="new.hire@corp.example", role="client")
    assert _errors(again) == ["a user new.hire@corp.example already exists"]
    assert 'value="new.hire@corp.example"' in again.get_data(as_text=True), "the form keeps what was typed"


def test_admin_edits_a_user_and_sees_their_tickets(
    gateway: Gateway, runtime: Runtime, ids: dict[str, int], admin: FlaskClient
) -> None:
    deliver(gateway, build_mail(sender=CLIENT, subject="VPN drops every hour"))
    page = admin.get(f"/admin/users/{ids[CLIENT]}")
    assert "VPN drops every hour" in text(page)
    post(admin, f"/admin/users/{ids[CLIENT]}", name="Alice A.", role="agent", department="IT")
    with runtime.sessions() as session:
        alice = session.get_one(User, ids[CLIENT])
        assert (alice.name, alice.role, alice.department, alice.active) == ("Alice A.", Role.AGENT, "IT", False)
    sent = post(admin, f"/admin/users/{ids[AGENT]}/reset-link", follow=True)
    assert ("success", f"A password-reset link is on its way to {AGENT}.") in flashes(sent)
    refused = post(admin, f"/admin/users/{ids[CLIENT]}/reset-link", follow=True)
    assert "the user is inactive" in _errors(refused)[0]


def test_the_last_admin_cannot_demote_or_deactivate_themselves(
    runtime: Runtime, ids: dict[str, int], admin: FlaskClient
) -> None:
    refused = post(admin, f"/admin/users/{ids[ADMIN]}", follow=True, role="agent", active="on")
    assert _errors(refused) == [f"{ADMIN} is the only active admin; make someone else an admin first"]
    with runtime.sessions() as session:
        assert session.get_one(User, ids[ADMIN]).role is Role.ADMIN


# -- mailboxes -----------------------------------------------------------------------------

def _mailbox_form(server: DovecotServer, user: str, password: str, **extra: str) -> dict[str, str]:
    return {"name": "Support", "host": server.host, "port": str(server.port), "security": "plain",
            "username": user, "password": password, "folder": "INBOX", **extra}


def test_test_connection_against_a_real_dovecot(
    runtime: Runtime, ids: dict[str, int], admin: FlaskClient, dovecot_server: DovecotServer
) -> None:
    user = f"helpdesk-{uuid.uuid4().hex[:12]}"
    dovecot_server.add_user(user, "imap-secret")
    created = post(admin, "/admin/mailboxes/new", _mailbox_form(dovecot_server, user, "imap-secret"))
    mailbox = _get(runtime, Mailbox, name="Support")
    assert created.headers["Location"] == f"/admin/mailboxes/{mailbox.id}"

    works = post(admin, f"/admin/mailboxes/{mailbox.id}/test", follow=True)
    assert ("success", f"Connection works. Signed in as {user} and opened INBOX (0 messages).") in flashes(works)

    post(admin, f"/admin/mailboxes/{mailbox.id}", _mailbox_form(dovecot_server, user, "wrong-secret"))
    fails = post(admin, f"/admin/mailboxes/{mailbox.id}/test", follow=True)
    [error] = _errors(fails)
    assert error.startswith("Connection failed: login refused:") and "wrong-secret" not in fails.get_data(as_text=True)

    post(admin, f"/admin/mailboxes/{mailbox.id}", _mailbox_form(dovecot_server, user, "", name="Support desk"))
    saved = _get(runtime, Mailbox, id=mailbox.id)
    assert (saved.name, saved.password) == ("Support desk", "wrong-secret")


def test_mailbox_form_errors_and_disabling(runtime: Runtime, ids: dict[str, int], admin: FlaskClient) -> None:
    form = {"name": "Support", "host": "imap.corp.example", "port": "", "security": "tls", "username": "u",
            "password": "imap-pass-123", "folder": "INBOX", "move_to": "INBOX"}
    refused = post(admin, "/admin/mailboxes/new", form)
    assert refused.status_code == 400 and "is the folder being polled" in text(refused)
    assert 'value="imap.corp.example"' in text(refused) and "imap-pass-123" not in text(refused)
    post(admin, "/admin/mailboxes/new", {**form, "move_to": "Done"})
    mailbox = _get(runtime, Mailbox, name="Support")
    assert (mailbox.port, mailbox.move_to, mailbox.enabled) == (993, "Done", True)
    assert "imap-pass-123" not in text(admin.get(f"/admin/mailboxes/{mailbox.id}")), "passwords are write-only"
    post(admin, f"/admin/mailboxes/{mailbox.id}/enabled", enabled="0")
    assert not _get(runtime, Mailbox, id=mailbox.id).enabled
    assert "Disabled" in text(admin.get("/admin/mailboxes"))


def test_recipient_routes_are_added_and_removed(
    runtime: Runtime, ids: dict[str, int], admin: FlaskClient
) -> None:
    post(admin, "/admin/catalog/groups", name="HR")
    group = _get(runtime, Group, name="HR")
    post(admin, f"/admin/catalog/groups/{group.id}/categories", name="Payroll")
    category = _get(runtime, Category, name="Payroll")
    post(admin, "/admin/mailboxes/routes",
         address="HR-Help@Corp.Example", group=str(group.id), category=str(category.id))
    route = _get(runtime, RecipientRoute, address="hr-help@corp.example")
    assert (route.group_id, route.category_id) == (group.id, category.id)
    assert "hr-help@corp.example" in text(admin.get("/admin/mailboxes"))
    bad = post(admin, "/admin/mailboxes/routes", follow=True, address="not an address", group=str(group.id))
    assert _errors(bad) == ["'not an address' is not an email address"]
    post(admin, f"/admin/mailboxes/routes/{route.id}/delete")
    assert not _exists(runtime, RecipientRoute, id=route.id)


# -- notification templates ----------------------------------------------------------------

def test_template_editor_previews_saves_and_resets(
    gateway: Gateway, runtime: Runtime, ids: dict[str, int], admin: FlaskClient
) -> None:
    listing = text(admin.get("/admin/templates"))
    assert all(name in listing for name in ("ticket_received", "staff_reply", "password_reset", "status_closed"))
    number = deliver(gateway, build_mail(subject="Monitor flickers")).ticket
    editor = admin.get(f"/admin/templates/ticket_received?ticket={number}")
    assert f"[#{number}] Monitor flickers" in text(editor)

    edited = {"subject": "Got it: {{ ticket.title }} [#{{ ticket.id }}]", "txt": "Thanks {{ recipient_name }}.\n",
              "html": ""}
    preview = post(admin, "/admin/templates/ticket_received", edited, action="preview", ticket=str(number))
    assert f"Got it: Monitor flickers [#{number}]" in text(preview)
    assert not _exists(runtime, MailTemplate), "a preview saves nothing"

    post(admin, "/admin/templates/ticket_received", edited, action="save")
    second = deliver(gateway, build_mail(subject="Keyboard missing keys")).ticket
    ack = _get(runtime, OutboxMessage, ticket_id=second)
    assert (ack.subject, ack.body_text) == (f"Got it: Keyboard missing keys [#{second}]", "Thanks Alice.\n")
    assert ack.body_html == "", "an empty HTML override sends text only"
    assert "Edited" in text(admin.get("/admin/templates"))

    post(admin, "/admin/templates/ticket_received/reset")
    with runtime.sessions() as session:
        assert session.scalars(select(MailTemplate)).all() == []


@pytest.mark.parametrize("subject, message", [
    ("{{ ticket.nonsense }}", "has no attribute 'nonsense'"),
    ("{% if %}", "the template does not render"),
    ("   ", "the subject must not be empty"),
])
def test_a_broken_template_is_refused_with_the_reason(
    runtime: Runtime, ids: dict[str, int], admin: FlaskClient, subject: str, message: str
) -> None:
    response = post(admin, "/admin/templates/status_closed", action="save", subject=subject, txt="x", html="")
    assert response.status_code == 400 and message in text(response)
    with runtime.sessions() as session:
        assert session.scalars(select(MailTemplate)).all() == []


def test_saving_the_shipped_text_stores_no_override(
    runtime: Runtime, ids: dict[str, int], admin: FlaskClient
) -> None:
    from core.template_overrides import shipped

    parts = {part.value: (shipped("staff_reply", part) or "").replace("\n", "\r\n") for part in TemplatePart}
    post(admin, "/admin/templates/staff_reply", parts, action="save")
    with runtime.sessions() as session:
        assert session.scalars(select(MailTemplate)).all() == []
    assert admin.get("/admin/templates/no_such_template").status_code == 404
