"""Who may use the staff ticket pages: every route × every role, and no POST without its CSRF token.

Anonymous visitors are sent to the login page, clients get 403, agents and admins get the
page or their change (a valid form for each route, so a 303 proves the action ran). The
token is valid in each case, so the answers come from the role check, not from CSRF."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from core.db import unit_of_work
from core.models import MessageKind, Role
from core.models.views import SavedView
from core.runtime import Runtime
from core.tickets import MessageBody, NewAttachment, add_watcher, get_ticket
from core.users import get_user, mail_user
from tests.test_web_admin import open_for
from tests.test_web_auth import make_user, sign_in
from tests.test_web_tickets import app  # noqa: F401  (fixture)

ROLES = {"client": ("alice@corp.example", Role.CLIENT), "agent": ("agent@corp.example", Role.AGENT),
         "admin": ("admin@corp.example", Role.ADMIN)}  # fmt: skip


@dataclass(frozen=True)
class World:
    ticket: int
    other: int
    attachment: int
    watcher: int
    views: dict[str, int]


@pytest.fixture
def world(runtime: Runtime) -> World:
    """Ticket 1 (with a file and a watcher) and ticket 2 of Alice; one saved view per role."""
    for email, role in ROLES.values():
        make_user(runtime, email, role)
    stored = runtime.blobs.put(b"%PDF-1.4\n")
    body = MessageBody(text="see file", attachments=(NewAttachment("a.pdf", "application/pdf", stored.size, stored.sha256),))
    ticket, other = open_for(runtime, "alice@corp.example", "First", body), open_for(runtime, "alice@corp.example", "Second")
    with unit_of_work(runtime.sessions) as session:
        watcher = mail_user(session, "bob@corp.example")
        found = get_ticket(session, ticket)
        add_watcher(session, found, watcher, actor=None)
        views = {name: SavedView(user_id=get_user(session, email).id, name="Mine", query="assignee=mine")
                 for name, (email, _role) in ROLES.items()}  # fmt: skip
        session.add_all(views.values())
        session.flush()
        assert found.messages[0].kind is MessageKind.EMAIL_IN
        return World(ticket, other, found.messages[0].attachments[0].id, watcher.id,
                     {name: view.id for name, view in views.items()})  # fmt: skip


GETS = ["/admin/", "/admin/tickets", "/admin/tickets?q=first&status=open&sort=priority", "/admin/tickets/counts?q=first",
        "/admin/tickets/{ticket}",
        "/admin/attachments/{attachment}"]  # fmt: skip

POSTS: list[tuple[str, dict[str, str]]] = [
    ("/admin/tickets/{ticket}/reply", {"reply-body": "Hello"}),
    ("/admin/tickets/{ticket}/note", {"reply-body": "Internal"}),
    ("/admin/tickets/{ticket}/assign", {"assign-assignee": ""}),
    ("/admin/tickets/{ticket}/status", {"status-status": "in_progress"}),
    ("/admin/tickets/{ticket}/priority", {"priority-priority": "high"}),
    ("/admin/tickets/{ticket}/category", {"category-catalog": ""}),
    ("/admin/tickets/{ticket}/watchers", {"watcher-email": "carol@corp.example"}),
    ("/admin/tickets/{ticket}/watchers/remove", {"unwatch-user_id": "{watcher}"}),
    ("/admin/tickets/{ticket}/links", {"link-other": "#{other}", "link-kind": "related"}),
    ("/admin/tickets/bulk", {"bulk-ids": "{ticket}", "bulk-action": "priority", "bulk-priority": "urgent"}),
    ("/admin/views", {"view-name": "Urgent", "view-query": "priority=urgent"}),
    ("/admin/views/{view}/delete", {}),
    ("/admin/tickets/{ticket}/merge", {"merge-target": "#{other}"}),
]
"""Every POST route with a valid form, in an order that works on one ticket: merge closes it."""


def client_as(app: Flask, role: str) -> FlaskClient:  # noqa: F811
    client = app.test_client()
    if role != "anonymous":
        sign_in(client, ROLES[role][0])
    return client


def csrf(client: FlaskClient) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', client.get("/login").get_data(as_text=True))
    if match is None:  # signed in: /login redirects, the panel or the portal has the token
        page = client.get("/portal/tickets").get_data(as_text=True)
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert match
    return match.group(1)


def fill(text: str, world: World, role: str) -> str:
    return text.format(ticket=world.ticket, other=world.other, attachment=world.attachment, watcher=world.watcher,
                       view=world.views.get(role, world.views["agent"]))  # fmt: skip


def form_data(data: dict[str, str], world: World, role: str, token: str | None) -> dict[str, object]:
    """The form as the page sends it: a file on the reply, the token under each form's prefix."""
    form: dict[str, object] = {name: fill(value, world, role) for name, value in data.items()}
    if "reply-body" in data:
        form["reply-files"] = [(io.BytesIO(b"attached"), "x.txt")]
    if token is not None:
        form |= {f"{name.split('-')[0]}-csrf_token": token for name in data} | {"csrf_token": token}
    return form


def expect(response: TestResponse, role: str, success: int) -> None:
    if role == "anonymous":
        assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")
    elif role == "client":
        assert response.status_code == 403
    else:
        assert response.status_code == success, response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["anonymous", "client", "agent", "admin"])
def test_every_route_for_every_role(app: Flask, world: World, role: str, subtests: pytest.Subtests) -> None:  # noqa: F811
    client = client_as(app, role)
    for path in GETS:
        with subtests.test(msg=f"GET {path}"):
            expect(client.get(fill(path, world, role)), role, 200)
    token = csrf(client)
    for path, data in POSTS:
        with subtests.test(msg=f"POST {path}"):
            form = form_data(data, world, role, token)
            expect(client.post(fill(path, world, role), data=form, content_type="multipart/form-data"), role, 303)


def test_post_without_csrf_token_is_refused(app: Flask, world: World, subtests: pytest.Subtests) -> None:  # noqa: F811
    client = client_as(app, "agent")
    for path, data in POSTS:
        with subtests.test(msg=f"POST {path}"):
            response = client.post(fill(path, world, "agent"), data=form_data(data, world, "agent", None),
                                   content_type="multipart/form-data")  # fmt: skip
            assert response.status_code == 400
            assert "CSRF" in response.get_data(as_text=True)
